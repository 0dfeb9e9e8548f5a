/**
 * The notifier: turns one parsed KeyCRM event into durable delivery jobs, once.
 *
 * @module
 */
import { eventRecordOf } from '../digest/event-record.ts'
import type { Enricher } from '../enrich/enrich.ts'
import type { EnrichmentResult } from '../enrich/types.ts'
import {
  escapeHtml,
  type FormatLocale,
  type FormatOptions,
  formatNotification,
  type StatusDictionary,
  type SummaryItem,
  summarize,
  TELEGRAM_TEXT_LIMIT,
  visibleLength,
} from '../format/index.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import { deliveryKey as keyOf } from '../webhook/index.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { buildCardJobs, splitCardTargets } from './cards/jobs.ts'
import { type Clock, systemClock } from './clock.ts'
import { buildDeferredJobs } from './deferred-jobs.ts'
import { formatWithStatuses, noticeOf, safeEnrich, withEnrichment } from './enriched-format.ts'
import {
  finalizeTargets,
  matchRouteRules,
  type Routes,
  type RouteTarget,
  validateRouteRules,
} from './routes.ts'
import type { EventLog, KeygramStore, NewJob, RenderRequest } from './types.ts'

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /** The queue and key-values; with `events`, every new delivery is also recorded for digests. */
  store: Pick<KeygramStore, 'queue' | 'kv'> & { readonly events?: EventLog }
  /** Rules (validated now, {@link RouteConfigError} if wrong) or a function. */
  routes: Routes
  /** Formatting for every route; a route's `locale` / `disableNotification` override it. */
  format?: FormatOptions
  /**
   * KeyCRM's status list: resolves rules' `statusNames` (required for them) and names statuses in messages
   * when enrichment brings none.
   */
  statuses?: StatusDictionary
  /**
   * Adds details from KeyCRM's API (e.g. `createEnricher(client, { budgetMs: 3000 })`). Runs only for events
   * some route takes; its budget bounds how long `accept` waits for it. A message without the details
   * says so in one line.
   */
  enrich?: Enricher
  /**
   * `accept` (default): format (and enrich) in {@link Notifier.accept}, so jobs carry finished messages.
   * `send`: enqueue a {@link RenderRequest} per target instead and let the worker render (with
   * `createJobRenderer` over the same `format`, `statuses` and `enrich`) when it sends. The webhook is
   * then acknowledged after routing and the durable enqueue alone: formatting and KeyCRM's API stay off
   * the request path.
   */
  renderAt?: 'accept' | 'send'
  /**
   * Live cards (default `true`): order and lead changes update one message per chat and order, rendered by
   * the worker when it sends (give the worker `createJobRenderer` with this `format`). A route's `cards:
   * false` opts that route out; `false` here turns cards off everywhere.
   */
  cards?: boolean
  /** How long a delivery key suppresses redeliveries, in ms. Default 7 days. */
  dedupeTtlMs?: number
  clock?: Pick<Clock, 'now'>
  /**
   * Called when recording a delivery for digests fails. The delivery itself is queued by then, so
   * `accept` still resolves; default: `console.warn`.
   */
  onEventLogError?: (error: unknown) => void
}

/** What became of an accepted event. */
export interface AcceptResult {
  /** `queued`: jobs are durable; `duplicate`: seen before, nothing added; `unrouted`: no route took it. */
  status: 'queued' | 'duplicate' | 'unrouted'
  deliveryKey: string
  /** Jobs added (one per message per target). */
  jobs: number
  /**
   * How enrichment went, when an enricher is configured, a route took the event and rendering happens at
   * accept time.
   */
  enrichment?: Pick<EnrichmentResult, 'status' | 'reason' | 'elapsedMs'>
}

/** Accepts events; ack KeyCRM only after {@link Notifier.accept} resolved. */
export interface Notifier {
  /**
   * Routes, enriches (within its budget), formats and enqueues `event` in one atomic store call (dedupe +
   * durable append), then records it for digests. With `renderAt: 'send'` it only routes and enqueues.
   * Rejects only when the enqueue does (then answer KeyCRM with an error so it retries).
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
  const { store, enrich } = options
  const clock = options.clock ?? systemClock
  const format = formatWithStatuses(options.format, options.statuses)
  const deferred = options.renderAt === 'send'
  const cardsOn = options.cards ?? true
  const dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS
  if (!(dedupeTtlMs > 0)) throw new RangeError('createNotifier: dedupeTtlMs must be > 0')
  const onEventLogError =
    options.onEventLogError ??
    ((error: unknown) => console.warn('keygram: could not record a delivery for digests:', error))
  const routes = options.routes
  let resolve: (event: KeycrmEvent) => RouteTarget[] | Promise<RouteTarget[]>
  if (typeof routes === 'function') resolve = routes
  else {
    const validateOptions: Parameters<typeof validateRouteRules>[1] = {}
    if (options.statuses !== undefined) validateOptions.statuses = options.statuses
    if (options.format?.timeZone !== undefined) validateOptions.timeZone = options.format.timeZone
    const rules = validateRouteRules(routes, validateOptions)
    resolve = (event) => matchRouteRules(rules, event, clock.now())
  }

  return {
    async accept(event) {
      const deliveryKey = keyOf(event)
      const routed = await finalizeTargets(store.kv, await resolve(event))
      const { cards, messages: targets } = splitCardTargets(event, routed, cardsOn)
      let enrichment: EnrichmentResult | undefined
      let jobs: NewJob[]
      if (deferred) jobs = buildDeferredJobs(event, targets)
      else {
        if (enrich !== undefined && targets.length > 0) enrichment = await safeEnrich(enrich, event)
        jobs = buildJobs(event, targets, withEnrichment(format, enrichment), noticeOf(enrichment))
      }
      if (cards.length > 0) jobs.push(...buildCardJobs(event, cards, format.locale))
      const now = clock.now()
      const { accepted } = await store.queue.enqueue({ deliveryKey, dedupeTtlMs, jobs, now })
      const result: AcceptResult = accepted
        ? { status: jobs.length === 0 ? 'unrouted' : 'queued', deliveryKey, jobs: jobs.length }
        : { status: 'duplicate', deliveryKey, jobs: 0 }
      if (enrichment !== undefined) result.enrichment = summary(enrichment)
      if (accepted && store.events !== undefined) {
        // Not part of the enqueue: a failed record costs a digest one count, never a notification.
        await store.events.append(eventRecordOf(event, deliveryKey, now)).catch(onEventLogError)
      }
      return result
    },
  }
}

function summary(result: EnrichmentResult): NonNullable<AcceptResult['enrichment']> {
  const brief: NonNullable<AcceptResult['enrichment']> = {
    status: result.status,
    elapsedMs: result.elapsedMs,
  }
  if (result.reason !== undefined) brief.reason = result.reason
  return brief
}

/** Extras of {@link buildJobs}. */
export interface BuildJobsExtras {
  /** A plain-text line added in italics at the end of each notification, in the target's locale. */
  notice?: (locale: FormatLocale) => string | undefined
}

/**
 * Adds `notice` (plain text) in italics to the end of a notification: to its last message when that
 * stays within Telegram's limit, else as one more message (which then carries the button).
 */
export function appendNotice(messages: readonly TelegramMessage[], notice: string): TelegramMessage[] {
  const line = `<i>${escapeHtml(notice)}</i>`
  const result = [...messages]
  const last = result.at(-1)
  if (last !== undefined && visibleLength(`${last.text}\n\n${line}`) <= TELEGRAM_TEXT_LIMIT) {
    result[result.length - 1] = { ...last, text: `${last.text}\n\n${line}` }
    return result
  }
  const extra: TelegramMessage = {
    text: line,
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  }
  if (last !== undefined) {
    const { reply_markup: replyMarkup, ...rest } = last
    result[result.length - 1] = rest
    if (replyMarkup !== undefined) extra.reply_markup = replyMarkup
    if (last.disable_notification !== undefined) extra.disable_notification = last.disable_notification
  }
  result.push(extra)
  return result
}

/** One job per message per target, formatted once per distinct set of overrides. */
export function buildJobs(
  event: KeycrmEvent,
  targets: readonly RouteTarget[],
  format: FormatOptions,
  extras: BuildJobsExtras = {},
): NewJob[] {
  const rendered = new Map<string, { messages: TelegramMessage[]; line: string; item?: SummaryItem }>()
  const jobs: NewJob[] = []
  for (const target of targets) {
    const options: FormatOptions = { ...format }
    if (target.locale !== undefined) options.locale = target.locale
    if (target.disableNotification !== undefined) options.disableNotification = target.disableNotification
    const cacheKey = `${options.locale ?? ''}\u0000${options.disableNotification ?? ''}`
    let output = rendered.get(cacheKey)
    if (output === undefined) {
      let messages = formatNotification(event, options)
      const notice = extras.notice?.(options.locale ?? 'uk')
      if (notice) messages = appendNotice(messages, notice)
      const { line, item } = summarize(event, options)
      output = item === undefined ? { messages, line } : { messages, line, item }
      rendered.set(cacheKey, output)
    }
    for (const formatted of output.messages) {
      // Enforced here too, so a custom route function's choice holds whatever the formatter does.
      const message =
        target.disableNotification === undefined
          ? formatted
          : { ...formatted, disable_notification: target.disableNotification }
      const job: NewJob = { chatId: target.chatId, message, summaryLine: output.line }
      if (output.item !== undefined) job.summary = output.item
      if (target.threadId !== undefined) job.threadId = target.threadId
      jobs.push(job)
    }
  }
  return jobs
}
