/**
 * KeyCRM's "Send webhook" trigger action, faked: after a status change, a JSON POST of
 * `{event, context}` to the configured URL, with no custom headers, optionally after a delay.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FakeKeycrmWebhookBody } from './status-changes.ts'

/** One webhook the fake fired. */
export interface FakeKeycrmWebhook {
  url: string
  body: FakeKeycrmWebhookBody
  /** HTTP status the receiver answered; `null` while under way, or when the request failed (see `error`). */
  status: number | null
  /** Why the request failed (connection refused, timeout, the fake closed). */
  error?: string
  /** Epoch ms of the status change that fired it. */
  at: number
  /** Epoch ms the receiver answered or the request failed. */
  answeredAt?: number
}

// A receiver that does not answer is given up on after this long, so a test's close() never waits on it.
const WEBHOOK_TIMEOUT_MS = 10_000

/** Fires the webhooks and keeps the record of them. */
export class WebhookSender {
  readonly fired: FakeKeycrmWebhook[] = []
  private readonly inFlight = new Set<Promise<void>>()
  private readonly closing = new AbortController()

  constructor(
    public url: string | undefined,
    public delayMs: number,
  ) {}

  /** Post this webhook to the URL (after the delay), unless no URL is set. */
  fire(body: FakeKeycrmWebhookBody): void {
    if (this.url === undefined || this.url === '') return
    const record: FakeKeycrmWebhook = { url: this.url, body, status: null, at: Date.now() }
    this.fired.push(record)
    const delivery = this.deliver(record, this.delayMs)
    this.inFlight.add(delivery)
    void delivery.finally(() => this.inFlight.delete(delivery))
  }

  /** Resolves when every webhook fired so far has been answered or has failed. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
  }

  /** Abort the webhooks waiting or under way. */
  close(): Promise<void> {
    this.closing.abort(new Error('the fake KeyCRM API was closed'))
    return this.flush()
  }

  private async deliver(record: FakeKeycrmWebhook, delayMs: number): Promise<void> {
    try {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: this.closing.signal })
      const response = await fetch(record.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(record.body),
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      })
      record.status = response.status
      await response.arrayBuffer()
    } catch (error) {
      record.error = describe(error)
    }
    record.answeredAt = Date.now()
  }
}

// fetch() reports "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`.
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}
