/**
 * The replicas variant (docker-compose.redis.yml): two webhook servers and two bots on one Redis, behind nginx.
 */
import { describeDeployment } from './variant.ts'

describeDeployment({
  name: 'redis',
  file: 'docker-compose.redis.yml',
  proxy: 'nginx',
  expected: { redis: 1, 'webhook-server': 2, 'telegram-bot': 2, nginx: 1 },
})
