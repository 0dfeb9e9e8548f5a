import { createLogger } from '../../src/logging/index.ts'

/** A JSON-lines logger that keeps every line, with the given secrets redacted. */
export function captureLogger(secrets: readonly string[]) {
  const lines: string[] = []
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    secrets,
    write: (line) => lines.push(line),
  })
  return { logger, lines }
}
