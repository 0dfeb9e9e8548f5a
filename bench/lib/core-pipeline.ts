/**
 * The ingest bench's in-process measure: what Keygram's core work on one webhook costs with no HTTP around
 * it, so the bench can say how much of a request's time is the work itself.
 *
 * Each body is parsed (`parseWebhookText`: JSON, the checks, the event) and accepted by a notifier set up as
 * `keygram serve` sets up its own (the configured chat combined with `/subscribe` routing, rendering at send
 * time): routing, dedupe and the enqueue. One webhook at a time, awaited, as the server takes each request.
 * Two stores:
 * - `memory`: `memoryStore()`, which keeps every job, as in the server bench (no worker drains it there
 *   either at this pace, so the backlog and its garbage-collection cost are part of the number);
 * - `none`: an enqueue that accepts and keeps nothing (`./discard-queue.ts`), so the difference is what
 *   storing costs.
 *
 * @module
 */
import {
  combineRoutes,
  createNotifier,
  type KeygramStore,
  memoryStore,
  type Notifier,
  parseWebhookText,
  subscriptionRoutes,
} from '../../packages/core/src/index.ts'
import { discardingQueue } from './discard-queue.ts'
import { BENCH_CHAT_ID, webhookBody } from './ingest-load.ts'

/** Where {@link measureCorePipeline} enqueues. */
export type PipelineStore = 'memory' | 'none'

/** Options of {@link measureCorePipeline}. */
export interface CorePipelineOptions {
  store: PipelineStore
  /** Webhooks per measured pass; each pass starts on a fresh store. */
  webhooks: number
  /** Measured passes; the fastest counts. */
  passes: number
  /** The first body index (every body is a distinct delivery). */
  firstIndex: number
}

/** What {@link measureCorePipeline} measured. */
export interface CorePipelineResult {
  /** Time per webhook of the fastest pass, in µs (body generation not counted). */
  usPerWebhook: number
  /** The next unused body index. */
  nextIndex: number
}

/**
 * A notifier set up as `keygram serve` sets up its own: the bench's chat combined with `/subscribe` routing,
 * rendering at send time, enqueueing into `queue`.
 */
export function serverLikeNotifier(store: KeygramStore, queue: KeygramStore['queue']): Notifier {
  return createNotifier({
    store: { queue, kv: store.kv },
    routes: combineRoutes([{ chatId: BENCH_CHAT_ID }], subscriptionRoutes(store)),
    format: { keycrmDomain: 'demo' },
    renderAt: 'send',
  })
}

// Bodies are made in small batches outside the timed part: making one costs about as much as parsing it,
// and making them all up front would keep every body alive through the pass, which the server never does.
const BATCH = 1024

/** Parses and accepts distinct webhooks one at a time; see the module comment. */
export async function measureCorePipeline(options: CorePipelineOptions): Promise<CorePipelineResult> {
  let index = options.firstIndex
  const pass = async (count: number): Promise<number> => {
    // Uncapped: the `memory` pass keeps every job it accepts, as the server bench's backlog does.
    const store = memoryStore({ maxQueuedJobs: Number.POSITIVE_INFINITY })
    const notifier = serverLikeNotifier(
      store,
      options.store === 'memory' ? store.queue : discardingQueue(store.queue),
    )
    let elapsed = 0
    for (let done = 0; done < count; done += BATCH) {
      const bodies = Array.from({ length: Math.min(BATCH, count - done) }, () => webhookBody(index++))
      const started = performance.now()
      for (const body of bodies) {
        const { status } = await notifier.accept(parseWebhookText(body))
        // A bench body is always new and routed; anything else means the bench measures the wrong path.
        if (status !== 'queued') throw new Error(`core pipeline: a bench webhook was ${status}`)
      }
      elapsed += performance.now() - started
    }
    await store.close()
    return (elapsed * 1000) / count
  }
  await pass(Math.min(options.webhooks, 20_000)) // JIT warm-up
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < options.passes; round++) best = Math.min(best, await pass(options.webhooks))
  return { usPerWebhook: Math.round(best * 10) / 10, nextIndex: index }
}
