/**
 * Guarded long polling: one poller per bot token among the instances sharing a guard, driven through a
 * small {@link PollingDriver} that the grammY and Telegraf adapters implement.
 *
 * @module
 */
export {
  defaultConflictBackoff,
  defaultErrorBackoff,
  pollingBackoffDelayMs,
  resolvePollingBackoff,
} from './backoff.ts'
export { pollingLeaseName } from './lease-name.ts'
export { CONFLICT_HINT, consolePollingLogger, createGuardedPoller } from './poller.ts'
export type * from './types.ts'
