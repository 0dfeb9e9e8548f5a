/**
 * Readable check reports for the terminal.
 *
 * @module
 */

/** The outcome of one check. */
export type CheckLevel = 'ok' | 'warn' | 'fail' | 'info'

/** One line of a report. */
export interface CheckLine {
  level: CheckLevel
  name: string
  detail: string
}

const MARKS: Record<CheckLevel, string> = { ok: '✔', warn: '⚠', fail: '✖', info: '•' }

/** `✔ name: detail`, one line per check. */
export function renderReport(lines: readonly CheckLine[]): string {
  return lines.map((line) => `${MARKS[line.level]} ${line.name}: ${line.detail}`).join('\n')
}
