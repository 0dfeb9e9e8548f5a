/**
 * What the info line per accepted webhook costs, in-process: the server's own acceptor
 * (`server-node/src/webhook/accept-event.ts`: the notifier, the metrics, the log line) over parsed webhooks,
 * with the server's JSON logger at `warn` (no line) and at `info` (one line each, through the line sink into
 * `/dev/null`, one write per batch as into a pipe). Passes alternate between the two levels, so a slow spell
 * of a shared machine hits both; the fastest pass of each counts.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { memoryStore, parseWebhookText } from '../../packages/core/src/index.ts'
import { createLogger } from '../../packages/server-node/src/logging/index.ts'
import { createLineSink } from '../../packages/server-node/src/logging/line-sink.ts'
import { createKeygramMetrics } from '../../packages/server-node/src/metrics/index.ts'
import { createEventAcceptor } from '../../packages/server-node/src/webhook/accept-event.ts'
import { serverLikeNotifier } from './core-pipeline.ts'
import { discardingQueue } from './discard-queue.ts'
import { BENCH_SECRET, webhookBody } from './ingest-load.ts'

/** Options of {@link measureAcceptLogging}. */
export interface AcceptLogOptions {
  /** Webhooks per measured pass. */
  webhooks: number
  /** Measured passes per level; the fastest counts. */
  passes: number
  /** The first body index (every body is a distinct delivery). */
  firstIndex: number
}

/** µs per webhook of the server's acceptor, by log level. */
export interface AcceptLogResult {
  warnUs: number
  infoUs: number
  nextIndex: number
}

const BATCH = 1024

/** Measures the acceptor at `warn` and at `info`; see the module comment. */
export async function measureAcceptLogging(options: AcceptLogOptions): Promise<AcceptLogResult> {
  let index = options.firstIndex
  const devNull = openSync('/dev/null', 'w')
  const sink = createLineSink(
    { write: (text) => writeSync(devNull, text) },
    { write: (text) => writeSync(devNull, text) },
  )
  const pass = async (level: 'warn' | 'info', count: number): Promise<number> => {
    const store = memoryStore()
    const notifier = serverLikeNotifier(store, discardingQueue(store.queue))
    const logger = createLogger({ format: 'json', level, secrets: [BENCH_SECRET], write: sink.write })
    const accept = createEventAcceptor(notifier, createKeygramMetrics({ processMetrics: false }), logger)
    let elapsed = 0
    for (let done = 0; done < count; done += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, count - done) }, () =>
        parseWebhookText(webhookBody(index++)),
      )
      const started = performance.now()
      for (const event of events) {
        const reply = await accept(event)
        if (reply.status !== 200) throw new Error(`accept-log: a bench webhook was answered ${reply.status}`)
      }
      // The server writes once per event-loop turn; here a turn is a batch.
      sink.flush()
      elapsed += performance.now() - started
    }
    await store.close()
    return (elapsed * 1000) / count
  }
  try {
    await pass('info', Math.min(options.webhooks, 20_000)) // JIT warm-up
    const best = { warn: Number.POSITIVE_INFINITY, info: Number.POSITIVE_INFINITY }
    for (let round = 0; round < options.passes; round++) {
      for (const level of ['warn', 'info'] as const) {
        best[level] = Math.min(best[level], await pass(level, options.webhooks))
      }
    }
    return { warnUs: round1(best.warn), infoUs: round1(best.info), nextIndex: index }
  } finally {
    closeSync(devNull)
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10
}
