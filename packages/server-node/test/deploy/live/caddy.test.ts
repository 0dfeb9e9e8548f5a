/**
 * The Caddy variant (docker-compose.caddy.yml): the standard deployment with Caddy's automatic HTTPS in place
 * of nginx. In the test Caddy signs the certificate with its local CA (`local_certs`): no ACME CA is reachable.
 */
import { describeDeployment } from './variant.ts'

describeDeployment({
  name: 'caddy',
  file: 'docker-compose.caddy.yml',
  proxy: 'caddy',
  expected: { 'webhook-server': 1, 'telegram-bot': 1, caddy: 1 },
})
