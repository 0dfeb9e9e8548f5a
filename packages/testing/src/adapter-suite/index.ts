/**
 * The suite every Telegram framework adapter runs: transport mapping against the fake Bot API, and guarded
 * polling in one process and across child processes sharing a SQLite or Redis store.
 *
 * @module
 */
export { testPollingAdapter } from './suite.ts'
export type {
  PollingAdapterHarness,
  PollingAdapterSuiteOptions,
  ProcessHarness,
  UpdateListener,
} from './types.ts'
