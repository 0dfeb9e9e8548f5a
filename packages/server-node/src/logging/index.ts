/**
 * Logging with consola and secret redaction.
 *
 * @module
 */
export { activityOf, createLogger, type KeygramLogger, type LoggerOptions, redacting } from './logger.ts'
export { configSecrets } from './secrets.ts'
export { createServerLogger, serverSecrets } from './server-logger.ts'
