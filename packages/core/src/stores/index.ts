/**
 * Store implementations that live in core (web standards only). Durable ones ship as
 * `@keygram/store-sqlite` and `@keygram/store-redis`.
 *
 * @module
 */
export { type MemoryStoreOptions, memoryStore } from './memory.ts'
