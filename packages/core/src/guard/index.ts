/**
 * The single-instance guard: contract, in-memory implementation and `runExclusive`.
 *
 * @module
 */
export { type LeaseLossReason, LeaseLostError, LeaseUnavailableError } from './errors.ts'
export { type MemoryGuard, type MemoryGuardOptions, memoryGuard } from './memory.ts'
export { type RunExclusiveOptions, runExclusive } from './run-exclusive.ts'
export type * from './types.ts'
