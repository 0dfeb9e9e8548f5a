/**
 * Measuring a store's queue throughput from a benchmark script.
 *
 * @module
 */
export {
  measureStoreThroughput,
  type StoreThroughput,
  type StoreThroughputOptions,
} from './measure-store-throughput.ts'
