/**
 * Store implementations that live in core (web standards only). Durable ones ship as
 * `@keygram/store-sqlite` and `@keygram/store-redis`.
 *
 * @module
 */
export {
  DEFAULT_MEMORY_QUEUE_CAP,
  MemoryStoreFullError,
  type MemoryStoreOptions,
  memoryStore,
} from './memory.ts'
