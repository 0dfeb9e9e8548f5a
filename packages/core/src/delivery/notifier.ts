/**
 * The notifier: turns one parsed KeyCRM event into durable delivery jobs, once.
 *
 * @module
 */
import { type FormatOptions, formatNotification, summaryLine } from '../format/index.ts'
import { deliveryKey as keyOf } from '../webhook/index.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { type Clock, systemClock } from './clock.ts'
import {
  finalizeTargets,
  matchRouteRules,
  type Routes,
  type RouteTarget,
  validateRouteRules,
} from './routes.ts'
import type { KeygramStore, NewJob } from './types.ts'

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  store: Pick<KeygramStore, 'queue' | 'kv'>
  /** Rules (validated now, {@link RouteConfigError} if wrong) or a function. */
  routes: Routes
  /** Formatting for every route; a route's `locale` / `disableNotification` override it. */
  format?: FormatOptions
  /** How long a delivery key suppresses redeliveries, in ms. Default 7 days. */
  dedupeTtlMs?: number
  clock?: Pick<Clock, 'now'>
}

/** What became of an accepted event. */
export interface AcceptResult {
  /** `queued`: jobs are durable; `duplicate`: seen before, nothing added; `unrouted`: no route took it. */
  status: 'queued' | 'duplicate' | 'unrouted'
  deliveryKey: string
  /** Jobs added (one per message per target). */
  jobs: number
}

/** Accepts events; ack KeyCRM only after {@link Notifier.accept} resolved. */
export interface Notifier {
  /**
   * Routes, formats and enqueues `event` in one atomic store call (dedupe + durable append).
   * Rejects only when the store does (then answer KeyCRM with an error so it retries).
   */
  accept(event: KeycrmEvent): Promise<AcceptResult>
}

/** Default {@link NotifierOptions.dedupeTtlMs}: KeyCRM's retries come within minutes; a week is ample. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000

/**
 * Creates a notifier.
 *
 * @throws {RouteConfigError} when `routes` is an array with an invalid rule.
 * @example
 * ```ts
 * const notifier = createNotifier({ store, routes: [{ chatId: '-1001234567890', kinds: ['order_status'] }] })
 * const { status } = await notifier.accept(parseWebhook(body).event)
 * ```
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { store } = options
  const clock = options.clock ?? systemClock
  const format = options.format ?? {}
  const dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS
  if (!(dedupeTtlMs > 0)) throw new RangeError('createNotifier: dedupeTtlMs must be > 0')
  const routes = options.routes
  const resolve: (event: KeycrmEvent) => RouteTarget[] | Promise<RouteTarget[]> =
    typeof routes === 'function'
      ? routes
      : (
          (rules) => (event: KeycrmEvent) =>
            matchRouteRules(rules, event)
        )(validateRouteRules(routes))

  return {
    async accept(event) {
      const deliveryKey = keyOf(event)
      const targets = await finalizeTargets(store.kv, await resolve(event))
      const jobs = buildJobs(event, targets, format)
      const { accepted } = await store.queue.enqueue({ deliveryKey, dedupeTtlMs, jobs, now: clock.now() })
      if (!accepted) return { status: 'duplicate', deliveryKey, jobs: 0 }
      return { status: jobs.length === 0 ? 'unrouted' : 'queued', deliveryKey, jobs: jobs.length }
    },
  }
}

/** One job per message per target, formatted once per distinct set of overrides. */
export function buildJobs(
  event: KeycrmEvent,
  targets: readonly RouteTarget[],
  format: FormatOptions,
): NewJob[] {
  const rendered = new Map<string, { messages: ReturnType<typeof formatNotification>; line: string }>()
  const jobs: NewJob[] = []
  for (const target of targets) {
    const options: FormatOptions = { ...format }
    if (target.locale !== undefined) options.locale = target.locale
    if (target.disableNotification !== undefined) options.disableNotification = target.disableNotification
    const cacheKey = `${options.locale ?? ''}\u0000${options.disableNotification ?? ''}`
    let output = rendered.get(cacheKey)
    if (output === undefined) {
      output = { messages: formatNotification(event, options), line: summaryLine(event, options) }
      rendered.set(cacheKey, output)
    }
    for (const formatted of output.messages) {
      // Enforced here too, so a custom route function's choice holds whatever the formatter does.
      const message =
        target.disableNotification === undefined
          ? formatted
          : { ...formatted, disable_notification: target.disableNotification }
      const job: NewJob = { chatId: target.chatId, message, summaryLine: output.line }
      if (target.threadId !== undefined) job.threadId = target.threadId
      jobs.push(job)
    }
  }
  return jobs
}
