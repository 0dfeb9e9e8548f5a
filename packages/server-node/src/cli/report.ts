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

/** The last line of a report: what to do next. */
export function summaryOf(lines: readonly CheckLine[], command: string): string {
  const failed = lines.filter((line) => line.level === 'fail').length
  const warned = lines.filter((line) => line.level === 'warn').length
  if (failed > 0)
    return `${failed} problem${failed === 1 ? '' : 's'} to fix (✖ above); fix ${failed === 1 ? 'it' : 'them'} and run ${command} again.`
  if (warned > 0)
    return `Nothing stops Keygram; ${warned} warning${warned === 1 ? '' : 's'} (⚠ above) worth a look.`
  return 'All checks passed.'
}
