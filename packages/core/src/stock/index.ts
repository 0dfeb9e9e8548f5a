/**
 * KeyCRM stock-balance webhooks and low-stock alerts: parsing the `[{offer_id, sku, in_stock, in_reserve}]`
 * array, alert rules with hysteresis, per-offer state kept consistent across replicas, and localized
 * summary messages with product names from KeyCRM's API.
 *
 * @module
 */
export {
  createStockAlerter,
  DEFAULT_STOCK_DEDUPE_TTL_MS,
  DEFAULT_STOCK_NAMES_BUDGET_MS,
  type StockAcceptOptions,
  type StockAcceptResult,
  type StockAlerter,
  type StockAlerterOptions,
  stockStateKey,
} from './alerter.ts'
export {
  DEFAULT_STOCK_MAX_MESSAGES,
  type FormatStockAlertsOptions,
  formatStockAlerts,
  keycrmProductUrl,
} from './message.ts'
export {
  createStockProductNames,
  type StockNamesResult,
  type StockProductInfo,
  type StockProductNames,
  type StockProductNamesOptions,
} from './names.ts'
export {
  DEFAULT_MAX_STOCK_WEBHOOK_BYTES,
  isStockWebhookBody,
  type ParseStockWebhookTextOptions,
  parseStockWebhook,
  parseStockWebhookText,
} from './parse.ts'
export { defaultHysteresis, StockRuleError, skuMatcher, validateStockRules } from './rules.ts'
export {
  advanceStockState,
  readStockState,
  type StockBand,
  type StockBandState,
  type StockObservation,
  type StockOfferState,
  type StockTransition,
} from './state.ts'
export type * from './types.ts'
