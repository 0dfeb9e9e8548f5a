/**
 * `@keygram/testing`: a fake Telegram Bot API server, the conformance suites every Keygram guard and
 * store implementation runs, and a throughput measurement for stores.
 *
 * @module
 */

export * from './adapter-suite/index.ts'
export * from './conformance/index.ts'
export * from './fake-bot-api/index.ts'
export * from './fake-keycrm/index.ts'
export * from './throughput/index.ts'
