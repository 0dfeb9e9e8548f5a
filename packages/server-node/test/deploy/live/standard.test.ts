/**
 * The standard deployment (docker-compose.yml): webhook-server, telegram-bot and nginx on one SQLite volume.
 */
import { describeDeployment } from './variant.ts'

describeDeployment({
  name: 'standard',
  file: 'docker-compose.yml',
  proxy: 'nginx',
  expected: { 'webhook-server': 1, 'telegram-bot': 1, nginx: 1 },
})
