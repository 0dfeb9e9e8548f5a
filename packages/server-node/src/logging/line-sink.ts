/**
 * Where the server's JSON log lines go: stdout for info and below, stderr for warnings and errors.
 *
 * @module
 */

/** A text stream, as `process.stdout` is one. */
export interface LineStream {
  write(text: string): unknown
}

/** Writes log lines; `level` is consola's number (0 error, 1 warn, 3 info, 4 debug). */
export interface LineSink {
  write(line: string, level: number): void
  /** Writes what is pending now. */
  flush(): void
}

/** Pending stdout text above which it is written at once instead of at the end of the turn. */
const FLUSH_BYTES = 64 * 1024

/**
 * A sink that gathers the info lines of one event-loop turn into one write. At thousands of webhooks a
 * second each logs a line, and on Linux a write to a pipe (`docker logs`) or a file is a blocking system
 * call per line; one per turn keeps that off the webhook's path. Warnings and errors go out at once, after
 * the lines gathered before them, so the order across the two streams holds. Lines still pending when the
 * process exits are written by its `exit` handler.
 */
export function createLineSink(out: LineStream, err: LineStream): LineSink {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    out.write(text)
  }
  return {
    write(line, level) {
      if (level <= 1) {
        flush()
        err.write(`${line}\n`)
        return
      }
      pending += `${line}\n`
      if (pending.length >= FLUSH_BYTES) flush()
      else if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}

let stdioSink: LineSink | null = null

/** The process's one sink over stdout and stderr (one, so lines from every logger keep their order). */
export function stdioLineSink(): LineSink {
  if (stdioSink === null) {
    const sink = createLineSink(process.stdout, process.stderr)
    process.once('exit', () => sink.flush())
    stdioSink = sink
  }
  return stdioSink
}
