/**
 * Keygram's metrics: webhooks received and rejected, notifications sent, failed, retried and dead, 429s,
 * queue depth, delivery latency, and the poller's state.
 *
 * @module
 */
import type { DeliveryEvent, PollingState, QueueStore } from '@keygram/core'
import { renderProcessMetrics } from './process-metrics.ts'
import { type Counter, createMetricsRegistry, type Histogram, type MetricsRegistry } from './registry.ts'

/** The metrics of one process. */
export interface KeygramMetrics {
  /** Keygram's own series. */
  readonly registry: MetricsRegistry
  /** The exposition text of `/metrics`: Keygram's series, then the process and runtime ones (unless left out). */
  render(): Promise<string>
  /** Accepted webhooks by outcome (`queued`, `duplicate`, `unrouted`). */
  readonly webhooksReceived: Counter
  /** Refused webhooks by reason (`wrong_secret`, `invalid_json`, `store_unavailable`...). */
  readonly webhooksRejected: Counter
  readonly notificationsSent: Counter
  /** Failed send attempts by reason (error kind or dead-letter reason). */
  readonly notificationsFailed: Counter
  readonly notificationsRetried: Counter
  /** Dead-lettered notifications by reason. */
  readonly notificationsDead: Counter
  readonly telegram429: Counter
  /** Presses of action buttons by outcome (`applied`, `forbidden`, `conflict`, `failed`...). */
  readonly actions: Counter
  /** Live card outcomes by action (`sent`, `edited`, `unchanged`, `replaced`, `merged`, `skipped`). */
  readonly cardUpdates: Counter
  readonly deliveryLatency: Histogram
  /** Feeds a delivery worker's `onEvent` into the counters. */
  onDeliveryEvent(event: DeliveryEvent): void
  /** Exposes the queue depth (pending, claimed, dead) and the oldest job's age, read on every scrape. */
  watchQueue(queue: Pick<QueueStore, 'stats'>): void
  /** Exposes the poller's state as a one-hot gauge and its conflict count. */
  watchPolling(status: () => { state: string; conflicts?: number } | null): void
}

/** Delivery latency buckets in seconds: Telegram sends take ~0.1-1 s; retries and pacing push into minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
/**
 * Every state core's poller reports. Core has no runtime list, so this is a record keyed by its type: a state
 * added to {@link PollingState} fails the typecheck here until it is listed, instead of reading all zeros.
 */
const POLLER_STATES: Record<PollingState, true> = {
  starting: true,
  polling: true,
  standby: true,
  conflict: true,
  stopped: true,
  failed: true,
}
/** The gauge's label values: the poller's states plus `disabled` for a process that runs no poller. */
const POLLING_STATES: readonly string[] = [...Object.keys(POLLER_STATES), 'disabled']

/** Options of {@link createKeygramMetrics}. */
export interface KeygramMetricsOptions {
  /**
   * Add the process and runtime series (resident memory, heap, event-loop lag, GC, open handles, start
   * time; prom-client's default metrics) to {@link KeygramMetrics.render}. Default `true`.
   */
  processMetrics?: boolean
}

/** Creates the metrics on a fresh registry. */
export function createKeygramMetrics(options: KeygramMetricsOptions = {}): KeygramMetrics {
  const registry = createMetricsRegistry()
  const withProcess = options.processMetrics ?? true
  const webhooksReceived = registry.counter(
    'keygram_webhooks_received_total',
    'Webhooks accepted, by outcome.',
  )
  const webhooksRejected = registry.counter('keygram_webhooks_rejected_total', 'Webhooks refused, by reason.')
  const notificationsSent = registry.counter(
    'keygram_notifications_sent_total',
    'Notifications delivered to Telegram.',
  )
  const notificationsFailed = registry.counter(
    'keygram_notifications_failed_total',
    'Failed send attempts, by reason.',
  )
  const notificationsRetried = registry.counter(
    'keygram_notifications_retried_total',
    'Notifications scheduled for another attempt.',
  )
  const notificationsDead = registry.counter(
    'keygram_notifications_dead_total',
    'Notifications dead-lettered, by reason.',
  )
  const telegram429 = registry.counter(
    'keygram_telegram_429_total',
    'Telegram 429 Too Many Requests answers.',
  )
  const actions = registry.counter('keygram_actions_total', 'Presses of action buttons on cards, by outcome.')
  const cardUpdates = registry.counter(
    'keygram_card_updates_total',
    'Live order cards: what each change did to its card, by action.',
  )
  const deliveryLatency = registry.histogram(
    'keygram_delivery_latency_seconds',
    'Time from enqueue to delivery to Telegram.',
    LATENCY_BUCKETS,
  )

  return {
    registry,
    async render() {
      const own = await registry.render()
      return withProcess ? own + (await renderProcessMetrics()) : own
    },
    webhooksReceived,
    webhooksRejected,
    notificationsSent,
    notificationsFailed,
    notificationsRetried,
    notificationsDead,
    telegram429,
    cardUpdates,
    actions,
    deliveryLatency,
    onDeliveryEvent(event) {
      switch (event.type) {
        case 'sent':
          notificationsSent.inc(undefined, event.jobIds.length)
          deliveryLatency.observe(event.latencyMs / 1000)
          return
        case 'retry':
          notificationsFailed.inc({ reason: event.kind })
          notificationsRetried.inc(undefined, event.jobIds.length)
          return
        case 'dead':
          notificationsFailed.inc({ reason: event.reason })
          notificationsDead.inc({ reason: event.reason }, event.jobIds.length)
          return
        case 'rate_limited':
          telegram429.inc()
          notificationsFailed.inc({ reason: 'rate_limited' })
          return
        case 'card':
          cardUpdates.inc({ action: event.action })
          return
        default:
          return
      }
    },
    watchQueue(queue) {
      let last: Promise<Awaited<ReturnType<QueueStore['stats']>>> | null = null
      // Both gauges come from one stats call per scrape.
      const stats = () => {
        last ??= queue.stats(Date.now()).finally(() => {
          setTimeout(() => {
            last = null
          }, 0)
        })
        return last
      }
      registry.gauge('keygram_queue_depth', 'Notifications in the queue, by state.', async () => {
        const s = await stats()
        return [
          [{ state: 'pending' }, s.pending],
          [{ state: 'claimed' }, s.claimed],
          [{ state: 'dead' }, s.dead],
        ]
      })
      registry.gauge(
        'keygram_queue_oldest_pending_seconds',
        'Age of the oldest waiting notification.',
        async () => {
          const s = await stats()
          return [[{}, (s.oldestPendingAgeMs ?? 0) / 1000]]
        },
      )
    },
    watchPolling(status) {
      registry.gauge('keygram_polling_state', 'The poller state (1 for the current one).', () => {
        const state = status()?.state ?? 'disabled'
        return POLLING_STATES.map((name) => [{ state: name }, name === state ? 1 : 0] as const)
      })
      registry.gauge('keygram_polling_conflicts', 'Telegram 409 conflicts seen by the poller.', () => [
        [{}, status()?.conflicts ?? 0],
      ])
    },
  }
}
