/**
 * Rendering at send time: turns a job's {@link RenderRequest} into its summary line and its messages, the
 * same way the notifier renders at accept time (same formatting, enrichment within its budget, the same
 * note when details are missing).
 *
 * @module
 */
import type { Enricher } from '../enrich/enrich.ts'
import type { EnrichmentResult } from '../enrich/types.ts'
import {
  type FormatOptions,
  formatCard,
  type StatusDictionary,
  type SummaryItem,
  summarize,
} from '../format/index.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import { parseWebhook } from '../webhook/parse.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import type { CardRecord } from './cards/record.ts'
import { formatWithStatuses, noticeOf, safeEnrich, withEnrichment } from './enriched-format.ts'
import { appendNotice, buildJobs } from './notifier.ts'
import type { RouteTarget } from './routes.ts'
import type { RenderRequest } from './types.ts'

/** Options of {@link createJobRenderer}: the notifier's formatting options. */
export interface JobRendererOptions {
  /** Formatting for every notification; a request's `locale` / `disableNotification` override it. */
  format?: FormatOptions
  /** KeyCRM's status list, naming statuses when enrichment brings none. */
  statuses?: StatusDictionary
  /** Adds details from KeyCRM's API, within its budget (the worker waits, the webhook does not). */
  enrich?: Enricher
}

/** What a burst summary needs of a job: its line, its item and whether it goes silently. */
export interface RenderedSummary {
  /** HTML-escaped plain line, as `NewJob.summaryLine`. */
  summaryLine: string
  /** The structured summary (orders, payments, leads), as `NewJob.summary`. */
  item?: SummaryItem
  disableNotification: boolean
}

/** Renders jobs that carry a {@link RenderRequest}. */
export interface JobRenderer {
  /** The job's summary line and item, without enrichment (cheap: a burst summary needs one per job). */
  summary(request: RenderRequest): RenderedSummary
  /** The job's messages, in order (more than one when the text passes Telegram's limit). */
  messages(request: RenderRequest): Promise<TelegramMessage[]>
  /**
   * The live card `record` shows, in the request's language: one message, enriched within the enricher's
   * budget (the latest webhook is what is enriched). `disable_notification` follows the request.
   */
  card(request: RenderRequest, record: CardRecord): Promise<TelegramMessage>
}

/**
 * Creates a renderer over the notifier's formatting options (pass the notifier's `format`, `statuses` and
 * `enrich`).
 *
 * @throws {KeycrmWebhookError} from `messages`/`summary` when a request's webhook no longer parses (a store
 * handing back something else than was enqueued).
 */
export function createJobRenderer(options: JobRendererOptions = {}): JobRenderer {
  const format = formatWithStatuses(options.format, options.statuses)
  const { enrich } = options

  function optionsFor(request: RenderRequest): FormatOptions {
    if (request.locale === undefined && request.disableNotification === undefined) return format
    const merged: FormatOptions = { ...format }
    if (request.locale !== undefined) merged.locale = request.locale
    if (request.disableNotification !== undefined) merged.disableNotification = request.disableNotification
    return merged
  }

  function eventOf(request: RenderRequest): KeycrmEvent {
    return parseWebhook(request.webhook)
  }

  return {
    summary(request) {
      const options = optionsFor(request)
      const { line, item } = summarize(eventOf(request), options)
      const rendered: RenderedSummary = {
        summaryLine: line,
        disableNotification: options.disableNotification === true,
      }
      if (item !== undefined) rendered.item = item
      return rendered
    },
    async messages(request) {
      const event = eventOf(request)
      let enrichment: EnrichmentResult | undefined
      if (enrich !== undefined) enrichment = await safeEnrich(enrich, event)
      // One target with the request's overrides: buildJobs applies them exactly as at accept time.
      const target: RouteTarget = { chatId: '' }
      if (request.locale !== undefined) target.locale = request.locale
      if (request.disableNotification !== undefined) target.disableNotification = request.disableNotification
      return buildJobs(event, [target], withEnrichment(format, enrichment), noticeOf(enrichment)).map(
        (job) => job.message,
      )
    },
    async card(request, record) {
      const event = parseWebhook(record.latest)
      const enrichment = enrich === undefined ? undefined : await safeEnrich(enrich, event)
      const options = withEnrichment(optionsFor(request), enrichment)
      const input = { event, history: record.steps }
      const card = formatCard(
        record.changedBy === undefined ? input : { ...input, changedBy: record.changedBy },
        options,
      )
      // A card stays one message: the "not enriched" note goes on it only when it fits.
      const notice = noticeOf(enrichment)?.notice(options.locale ?? 'uk')
      const noted = notice === undefined ? [card] : appendNotice([card], notice)
      const message = noted.length === 1 ? noted[0]! : card
      if (request.disableNotification) message.disable_notification = true
      return message
    },
  }
}
