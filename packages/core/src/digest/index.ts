/**
 * Scheduled digests from the event log ("yesterday: 37 new orders, 1 420 000 UAH, 5 canceled, 3 waiting
 * for payment > 24 h"), sent exactly once across replicas through the delivery queue.
 *
 * @module
 */
export {
  type ComputeDigestOptions,
  computeDigest,
  type DigestPeriod,
  type DigestStats,
} from './compute.ts'
export { eventRecordOf } from './event-record.ts'
export {
  type FormatDigestOptions,
  formatDigest,
} from './message.ts'
export {
  createDigestScheduler,
  DigestConfigError,
  type DigestRunResult,
  type DigestSchedule,
  type DigestScheduler,
  type DigestSchedulerOptions,
  digestDeliveryKey,
  digestPeriod,
} from './scheduler.ts'
export {
  isValidTimeZone,
  type ZonedParts,
} from './zoned-time.ts'
