/**
 * From a KeyCRM event to Telegram messages.
 *
 * @module
 */
import type { InlineKeyboardMarkup, TelegramMessage } from '../telegram/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { defaultBody } from './body.ts'
import type { SafeHtml } from './html.ts'
import { splitTelegramHtml } from './split.ts'
import { applyTemplate } from './template.ts'
import type { FormatOptions, TemplateContext } from './types.ts'
import { buildTemplateValues, type ResolvedFormatOptions, resolveFormatOptions } from './values.ts'
import { visibleText } from './visible.ts'

function templateContext(
  event: KeycrmEvent,
  options: ResolvedFormatOptions,
  values: TemplateContext['values'],
  body: SafeHtml,
): TemplateContext {
  const context: TemplateContext = {
    event,
    locale: options.locale,
    values,
    context: event.kind === 'unknown' ? event.context : event.context.raw,
    defaultBody: body,
  }
  if (event.kind === 'order_status' || event.kind === 'payment_status') context.order = event.context
  if (event.kind === 'lead_status') context.lead = event.context
  if (options.enrichment) context.enrichment = options.enrichment
  return context
}

/**
 * Formats a KeyCRM event as one or more Telegram messages (HTML, link previews off).
 *
 * Shows the event headline, order or lead number, status (from `statuses`, localized for built-in
 * ones, else `#<id>`), status group, payment status, total, times in `timeZone`, enrichment when
 * given, and comments in blockquotes; unknown events list up to 15 scalar context fields. Every
 * payload value is escaped. A message longer than Telegram's limit is split into several; the
 * "Open in KeyCRM" button (only with `keycrmDomain`) goes on the last one.
 *
 * @throws TypeError for an unsupported locale or malformed `keycrmDomain`; RangeError for a
 *   currency or time zone `Intl` rejects. These are configuration errors, the same for every event.
 */
export function formatNotification(event: KeycrmEvent, options: FormatOptions = {}): TelegramMessage[] {
  const resolved = resolveFormatOptions(options)
  const values = buildTemplateValues(event, resolved)
  const standard = defaultBody(event, values, resolved)
  const template = resolved.templates?.[event.kind]
  let body = standard
  if (template !== undefined) {
    const custom = applyTemplate(template, templateContext(event, resolved, values, standard))
    // Telegram rejects an empty message; a template that renders nothing falls back to the default.
    if (visibleText(String(custom)).trim() !== '') body = custom
  }
  const parts = splitTelegramHtml(String(body))
  const replyMarkup: InlineKeyboardMarkup | undefined = values.url
    ? { inline_keyboard: [[{ text: resolved.strings.openInKeycrm, url: values.url }]] }
    : undefined
  return parts.map((text, index) => {
    const message: TelegramMessage = { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } }
    if (replyMarkup && index === parts.length - 1) message.reply_markup = replyMarkup
    if (resolved.disableNotification) message.disable_notification = true
    return message
  })
}
