// keygram.config.ts: status names without a KeyCRM API key (the ids are those of KeyCRM's trigger form).
import { defineKeygramConfig } from '@keygram/server-node'

export default defineKeygramConfig({
  format: { statuses: { order: { 1: { name: 'Новий' }, 20: { name: 'Відправлено' } } } },
})
