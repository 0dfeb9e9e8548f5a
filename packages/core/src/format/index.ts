/**
 * Notification formatting: KeyCRM events to Telegram HTML messages, with a safe HTML builder,
 * a validator for Telegram's HTML subset and a splitter for its 4096-character limit.
 *
 * @module
 */
export { escapeHtml } from './escape.ts'

import { a, b, blockquote, code, i, join, pre, s, spoiler, text, u } from './html.ts'

export { type BlockquoteOptions, type HtmlContent, html, SafeHtml } from './html.ts'

/**
 * Element builders for Telegram HTML that escape every value they are given, for templates:
 * `tags.b(order.source_uuid)`, `tags.a(url, 'Open')`. Grouped under one name so the package root does not
 * export one-letter functions.
 */
export const tags = { a, b, blockquote, code, i, join, pre, s, spoiler, text, u } as const
export {
  CARD_PRODUCT_LIMIT,
  type CardHistoryStep,
  type CardRenderInput,
  formatCard,
} from './card.ts'
export { fnv1a64, messageHash } from './hash.ts'
export { HISTORY_STEPS } from './history.ts'
export { formatDateTime, formatMoney, parseKeycrmTime } from './intl.ts'
export { keycrmLeadUrl, keycrmOrderUrl, normalizeKeycrmAccount } from './keycrm-link.ts'
export { localeStrings } from './locales/index.ts'
export type { LocaleStrings } from './locales/types.ts'
export { formatNotification } from './notification.ts'
export { splitTelegramHtml, TELEGRAM_TEXT_LIMIT } from './split.ts'
export {
  formatSummary,
  type SummaryEntry,
  type SummaryHeader,
  type SummaryItem,
  summarize,
  summaryHeader,
  summaryItem,
  summaryLine,
} from './summary.ts'
export { carrierOf, trackingUrl } from './tracking.ts'
export type {
  Carrier,
  EnrichmentBuyer,
  EnrichmentManager,
  EnrichmentProduct,
  EnrichmentShipping,
  EnrichmentSource,
  EnrichmentTotals,
  FormatLocale,
  FormatOptions,
  ManagerContact,
  OrderEnrichment,
  StatusDictionary,
  StatusInfo,
  Template,
  TemplateContext,
  TemplateValues,
} from './types.ts'
export {
  allowedTelegramTags,
  type HtmlValidationResult,
  isAllowedTelegramUrl,
  validateTelegramHtml,
} from './validate.ts'
export { visibleLength, visibleText } from './visible.ts'
