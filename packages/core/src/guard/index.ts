/**
 * The single-instance guard: contract, in-memory implementation, `runExclusive`, and the lease
 * factory store-backed guards build on.
 *
 * @module
 */
export { type LeaseLossReason, LeaseLostError, LeaseUnavailableError } from './errors.ts'
export { type MemoryGuard, type MemoryGuardOptions, memoryGuard } from './memory.ts'
export { type RunExclusiveOptions, runExclusive } from './run-exclusive.ts'
export {
  createStoreLease,
  type LeaseGrant,
  type RemoteRenewal,
  type StoreLease,
  type StoreLeaseOptions,
} from './store-lease.ts'
export type * from './types.ts'
