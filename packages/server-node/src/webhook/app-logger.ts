/**
 * The logger the webhook and bot apps write through.
 *
 * @module
 */

/** What the apps log through; a consola instance fits. */
export interface AppLogger {
  /** consola's numeric level (4 is debug): below it, per-request debug lines are not even built. */
  level?: number
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
  /** One info line per handled request, written cheaply when the logger can (see `KeygramLogger`). */
  activity?(message: string): void
}

/** Logs nothing (the default when no logger is passed). */
export const silentLogger: AppLogger = {
  level: Number.NEGATIVE_INFINITY,
  debug() {},
  info() {},
  warn() {},
  error() {},
}
