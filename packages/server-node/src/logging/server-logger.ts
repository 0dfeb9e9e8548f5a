/**
 * The logger a server runs with, as its configuration asks.
 *
 * @module
 */
import type { KeygramConfig } from '../config/types.ts'
import { createLogger, type KeygramLogger } from './logger.ts'
import { configSecrets } from './secrets.ts'

/**
 * The secrets a server redacts: all of the configuration's, except a demo secret, which the demo prints on
 * purpose (it is the URL to post the samples to).
 */
export function serverSecrets(config: KeygramConfig): string[] {
  return config.demoSecret ? configSecrets(config).slice(1) : configSecrets(config)
}

/** A logger in the configuration's format and level, with {@link serverSecrets} redacted. */
export function createServerLogger(config: KeygramConfig): KeygramLogger {
  return createLogger({ format: config.log.format, level: config.log.level, secrets: serverSecrets(config) })
}
