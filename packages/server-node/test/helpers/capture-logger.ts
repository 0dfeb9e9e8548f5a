import type { LogLevelName } from '../../src/config/types.ts'
import { createLogger } from '../../src/logging/index.ts'

/** A JSON-lines logger that keeps every line, with the given secrets redacted. Default level: debug. */
export function captureLogger(secrets: readonly string[], level: LogLevelName = 'debug') {
  const lines: string[] = []
  const logger = createLogger({
    format: 'json',
    level,
    secrets,
    write: (line) => lines.push(line),
  })
  return { logger, lines }
}

/** One JSON log line, parsed. */
export interface LogLine {
  level: string
  msg: string
  tag?: string
}

/** The lines at `level`, parsed. */
export function linesAt(lines: readonly string[], level: string): LogLine[] {
  return lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level === level)
}
