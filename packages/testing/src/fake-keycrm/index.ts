/**
 * A fake KeyCRM REST API server for tests: documented shapes, auth, rate limit, status changes with their
 * webhooks, and faults.
 *
 * @module
 */
export {
  defaultFakeKeycrmData,
  type FakeKeycrmData,
  type FakeLead,
  type FakeOrder,
  type FakeRecord,
} from './data.ts'
export { createFakeKeycrmApi } from './server.ts'
export type { FakeKeycrmWebhookBody } from './status-changes.ts'
export type { FakeKeycrmApi, FakeKeycrmApiOptions, FakeKeycrmFault, FakeKeycrmRequest } from './types.ts'
export type { FakeKeycrmWebhook } from './webhooks.ts'
