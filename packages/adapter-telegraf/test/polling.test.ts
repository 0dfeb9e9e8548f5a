import { fileURLToPath } from 'node:url'
import { testPollingAdapter } from '../../testing/src/adapter-suite/index.ts'
import { harness } from './harness.ts'

testPollingAdapter('Telegraf', {
  ...harness,
  processModule: fileURLToPath(new URL('./harness.ts', import.meta.url)),
})
