/**
 * `@keygram/testing`: a fake Telegram Bot API server and the conformance suites every Keygram guard and
 * store implementation runs.
 *
 * @module
 */

export * from './adapter-suite/index.ts'
export * from './conformance/index.ts'
export * from './fake-bot-api/index.ts'
export * from './fake-keycrm/index.ts'
