/**
 * The server's logger: consola, coloured in a terminal, JSON lines otherwise, with every secret redacted
 * from every line whatever reporter prints it.
 *
 * @module
 */
import { formatWithOptions } from 'node:util'
import { redactSecret } from '@keygram/core'
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola'
import type { LogFormat, LogLevelName } from '../config/types.ts'

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  format: LogFormat
  level: LogLevelName
  /** Values to replace with `[redacted]` wherever they appear (bot token shapes are always redacted). */
  secrets: readonly string[]
  /** Where JSON lines go. Default: stdout for info and below, stderr for warnings and errors. */
  write?: (line: string, level: number) => void
  /** Tag of every line, e.g. `webhook`. */
  tag?: string
}

// consola's numeric levels: 0 error/fatal, 1 warn, 2 log, 3 info/success, 4 debug, 5 trace.
const LEVELS: Record<LogLevelName, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4 }

/**
 * Creates a logger whose every reporter sees only redacted arguments: strings and error messages and
 * stacks have the secrets replaced, other values are formatted to text first and then redacted.
 */
export function createLogger(options: LoggerOptions): ConsolaInstance {
  const redact = (text: string) => redactSecret(text, options.secrets)
  const reporter = options.format === 'json' ? jsonReporter(options.write) : undefined
  // `fancy` is an option of consola's Node build only, which its browser-facing types do not list.
  const consolaOptions = {
    level: LEVELS[options.level],
    fancy: options.format === 'pretty',
    ...(reporter === undefined ? {} : { reporters: [reporter] }),
    formatOptions: { date: false, colors: options.format === 'pretty' },
  }
  const logger = createConsola(consolaOptions)
  logger.options.reporters = logger.options.reporters.map((inner) => redacting(inner, redact))
  return options.tag === undefined ? logger : logger.withTag(options.tag)
}

/** Wraps a reporter so it receives redacted arguments. */
export function redacting(inner: ConsolaReporter, redact: (text: string) => string): ConsolaReporter {
  return {
    log(logObj, ctx) {
      const args = logObj.args.map((arg) => redactArg(arg, redact))
      const message = typeof logObj.message === 'string' ? redact(logObj.message) : logObj.message
      inner.log({ ...logObj, args, message } as LogObject, ctx)
    },
  }
}

function redactArg(arg: unknown, redact: (text: string) => string): unknown {
  if (typeof arg === 'string') return redact(arg)
  if (arg instanceof Error) {
    const copy = new Error(redact(arg.message))
    copy.name = arg.name
    copy.stack = arg.stack === undefined ? undefined : redact(arg.stack)
    return copy
  }
  if (arg === null || typeof arg !== 'object') return arg
  return redact(formatWithOptions({ colors: false, depth: 4, breakLength: Number.POSITIVE_INFINITY }, arg))
}

const LEVEL_NAMES: Record<number, string> = {
  0: 'error',
  1: 'warn',
  2: 'info',
  3: 'info',
  4: 'debug',
  5: 'trace',
}

/** One JSON object per line: `{"time","level","tag","msg"}` (and `"err"` with the stack for errors). */
// Redaction happens in the wrapper around this reporter (see `redacting`).
function jsonReporter(write: ((line: string, level: number) => void) | undefined): ConsolaReporter {
  const out =
    write ??
    ((line: string, level: number) => (level <= 1 ? process.stderr : process.stdout).write(`${line}\n`))
  return {
    log(logObj) {
      const errors = logObj.args.filter((arg): arg is Error => arg instanceof Error)
      const text = logObj.args
        .map((arg) =>
          arg instanceof Error
            ? arg.message
            : typeof arg === 'string'
              ? arg
              : formatWithOptions({ colors: false, breakLength: Number.POSITIVE_INFINITY }, arg),
        )
        .join(' ')
      const line: Record<string, unknown> = {
        time: logObj.date.toISOString(),
        level: LEVEL_NAMES[logObj.level] ?? String(logObj.level),
        tag: logObj.tag || undefined,
        msg: text,
      }
      if (errors[0]?.stack !== undefined) line.err = errors[0].stack
      out(JSON.stringify(line), logObj.level)
    },
  }
}
