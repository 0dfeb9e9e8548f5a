/**
 * The suites every Telegram framework adapter runs: transport mapping against the fake Bot API, guarded
 * polling in one process and across child processes sharing a SQLite or Redis store, and the bot commands.
 *
 * @module
 */

export { type ActionsAdapterHarness, testActionsAdapter } from './actions-suite.ts'
export { type CommandsAdapter, testCommandsAdapter } from './commands-suite.ts'
export { testPollingAdapter } from './suite.ts'
export { type TransportFactory, testTransportEdits } from './transport-edit-suite.ts'
export type {
  PollingAdapterHarness,
  PollingAdapterSuiteOptions,
  ProcessHarness,
  UpdateListener,
} from './types.ts'
