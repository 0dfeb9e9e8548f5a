/**
 * Logging with consola and secret redaction.
 *
 * @module
 */
export { createLogger, type LoggerOptions, redacting } from './logger.ts'
export { configSecrets } from './secrets.ts'
