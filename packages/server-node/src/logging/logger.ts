/**
 * The server's logger: consola, coloured in a terminal, JSON lines otherwise, with every secret redacted
 * from every line whatever reporter prints it.
 *
 * @module
 */
import { formatWithOptions } from 'node:util'
import { createRedactor } from '@keygram/core'
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola'
import type { LogFormat, LogLevelName } from '../config/types.ts'
import { stdioLineSink } from './line-sink.ts'

/**
 * The server's logger: a consola instance plus {@link KeygramLogger.activity} for the lines written per
 * request.
 */
export type KeygramLogger = ConsolaInstance & {
  /**
   * One info line of routine work (an accepted webhook, a delivered notification): the same line as
   * `info`, but with JSON logs written without consola's per-call work (about 4 µs of a webhook's 50-100),
   * since the webhook path logs one per request at thousands a second. Nothing is built below info.
   */
  activity(message: string): void
}

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
export function createLogger(options: LoggerOptions): KeygramLogger {
  const redact = createRedactor(options.secrets)
  const write = options.write ?? stdioLineSink().write
  const reporter = options.format === 'json' ? jsonReporter(write) : undefined
  // `fancy` is an option of consola's Node build only, which its browser-facing types do not list.
  const consolaOptions = {
    level: LEVELS[options.level],
    fancy: options.format === 'pretty',
    ...(reporter === undefined ? {} : { reporters: [reporter] }),
    formatOptions: { date: false, colors: options.format === 'pretty' },
  }
  const created = createConsola(consolaOptions)
  created.options.reporters = created.options.reporters.map((inner) => redacting(inner, redact))
  const logger = options.tag === undefined ? created : created.withTag(options.tag)
  const activity =
    options.format === 'json'
      ? jsonActivity(logger, options.tag, redact, write)
      : (message: string) => logger.info(message)
  return Object.assign(logger, { activity })
}

const INFO = 3

/**
 * The JSON `activity` line, built by hand in the same shape as {@link jsonLine}'s (a test holds them equal):
 * serialising an object and formatting a date per line were two thirds of its cost. The time is formatted
 * once per millisecond; at thousands of lines a second, several share it.
 */
function jsonActivity(
  logger: ConsolaInstance,
  tag: string | undefined,
  redact: (text: string) => string,
  write: (line: string, level: number) => void,
): (message: string) => void {
  const afterTime = `","level":"info",${tag === undefined || tag === '' ? '' : `"tag":${JSON.stringify(tag)},`}"msg":`
  let stampedAt = Number.NaN
  let stamp = ''
  return (message) => {
    if (logger.level < INFO) return
    const now = Date.now()
    if (now !== stampedAt) {
      stampedAt = now
      stamp = new Date(now).toISOString()
    }
    write(`{"time":"${stamp}${afterTime}${JSON.stringify(redact(message))}}`, INFO)
  }
}

/**
 * Logs one line of routine work through `logger`: its {@link KeygramLogger.activity} when it has one (a
 * logger of {@link createLogger}), else `info`.
 */
export function activityOf(logger: {
  info(message: string): void
  activity?: (message: string) => void
}): (message: string) => void {
  return logger.activity === undefined ? (message) => logger.info(message) : logger.activity.bind(logger)
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

/** The `level` of a JSON line by consola's log type (its numeric level puts `fatal` with `error`). */
const LEVEL_NAMES: Record<string, string> = {
  fatal: 'fatal',
  error: 'error',
  fail: 'error',
  warn: 'warn',
  debug: 'debug',
  trace: 'trace',
  verbose: 'trace',
}

/** One line: `{"time","level","tag","msg"}`, plus `"err"` with the stack for errors. */
function jsonLine(date: Date, level: string, tag: string | undefined, msg: string, err?: string): string {
  return JSON.stringify({ time: date.toISOString(), level, tag, msg, err })
}

/** One JSON object per line (see {@link jsonLine}). */
// Redaction happens in the wrapper around this reporter (see `redacting`).
function jsonReporter(out: (line: string, level: number) => void): ConsolaReporter {
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
      const level = LEVEL_NAMES[logObj.type] ?? 'info'
      out(jsonLine(logObj.date, level, logObj.tag || undefined, text, errors[0]?.stack), logObj.level)
    },
  }
}
