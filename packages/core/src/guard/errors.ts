/**
 * Errors of the single-instance guard.
 *
 * @module
 */

/** Why a lease ended: the {@link LeaseLostError.cause} of an aborted lease signal. */
export type LeaseLossReason = 'released' | 'expired' | 'renew_failed' | 'taken_over' | 'closed'

/**
 * The abort reason of a lease's signal. Work guarded by the lease must stop when it sees this: another
 * instance may now hold the name.
 */
export class LeaseLostError extends Error {
  /** The guarded name. */
  readonly leaseName: string
  /** How the lease was lost. */
  readonly reason: LeaseLossReason

  /** Builds the error for lease `leaseName` lost for `reason`. */
  constructor(leaseName: string, reason: LeaseLossReason) {
    super(`Lease "${leaseName}" lost: ${reason.replace('_', ' ')}`)
    this.name = 'LeaseLostError'
    this.leaseName = leaseName
    this.reason = reason
  }
}

/** Thrown by `runExclusive` when the lease cannot be had: held elsewhere (no retry) or aborted while waiting. */
export class LeaseUnavailableError extends Error {
  /** The guarded name. */
  readonly leaseName: string

  /** Builds the error for lease `leaseName` with a message saying why it was not acquired. */
  constructor(leaseName: string, message: string) {
    super(message)
    this.name = 'LeaseUnavailableError'
    this.leaseName = leaseName
  }
}
