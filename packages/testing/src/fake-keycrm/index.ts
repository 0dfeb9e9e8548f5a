/**
 * A fake KeyCRM REST API server for tests: documented shapes, auth, rate limit and faults.
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
export {
  createFakeKeycrmApi,
  type FakeKeycrmApi,
  type FakeKeycrmApiOptions,
  type FakeKeycrmFault,
  type FakeKeycrmRequest,
} from './server.ts'
