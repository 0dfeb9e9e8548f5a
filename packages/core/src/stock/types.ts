/**
 * Types of KeyCRM's stock-balance webhook and of the low-stock alerts built from it.
 *
 * @module
 */
import type { ChatId } from '../delivery/types.ts'
import type { FormatLocale } from '../format/types.ts'

/**
 * One row of a stock-balance webhook, normalised: KeyCRM posts `[{offer_id, sku, in_stock, in_reserve}]`
 * (Settings -> Products -> Stocks -> Add webhook), numbers possibly as strings.
 */
export interface StockBalanceRow {
  /** The offer (product variant) id. */
  offer_id: number
  /** The offer's SKU; `null` when KeyCRM sends none. */
  sku: string | null
  /** Units on hand in the warehouses the webhook covers. */
  in_stock: number
  /** Units reserved by orders; absent or empty reads as `0`. */
  in_reserve: number
}

/** Whether a crossing went below the threshold or came back above the band. */
export type StockCrossingDirection = 'low' | 'back'

/** One threshold crossing of one offer, as the alerter found it. */
export interface StockCrossing {
  offerId: number
  sku: string | null
  /** `in_stock - in_reserve` when it crossed. */
  available: number
  direction: StockCrossingDirection
  /** The threshold of the band that was crossed. */
  low: number
  hysteresis: number
  /** The band's crossing number for this offer: odd crossings go low, even ones come back. */
  seq: number
}

/** A destination of a stock rule. */
export interface StockRuleChat {
  /** Numeric chat id (groups negative) or `@channelusername`. */
  chatId: ChatId | number
  /** Forum topic (`message_thread_id`). */
  threadId?: number
}

/**
 * One alert rule: which offers, at what level, and where alerts go.
 *
 * An offer goes low when its available stock (`in_stock - in_reserve`) falls to `low` or below, and
 * comes back when it rises above `low + hysteresis`. Values in between change nothing, so a level
 * flapping around the threshold alerts once, not at every webhook.
 */
export interface StockRule {
  /**
   * SKUs or SKU patterns (`*` any run of characters, `?` one character; case-insensitive), e.g.
   * `['a001-*', 'b-17']`. Default: every offer.
   */
  skus?: string[]
  /** Alert when the available stock is at or below this. */
  low: number
  /** How far above `low` the stock must rise to count as back in stock. Default `max(1, 20% of low)`. */
  hysteresis?: number
  /** Also announce "back in stock". Default `true`. */
  backInStock?: boolean
  /** Where alerts go (at least one). */
  chats: StockRuleChat[]
  /** Language of this rule's alerts; default the alerter's. */
  locale?: FormatLocale
  /** Deliver silently. */
  disableNotification?: boolean
}

/** A rule after validation: chat ids as strings, SKU patterns compiled, defaults applied. */
export interface ValidStockRule {
  low: number
  hysteresis: number
  backInStock: boolean
  chats: { chatId: ChatId; threadId?: number }[]
  locale?: FormatLocale
  disableNotification?: boolean
  /** Whether the rule covers an offer with this SKU (`null`: the row had none). */
  matches(sku: string | null): boolean
  /** The key of the rule's band (`<low>/<hysteresis>`): rules with equal bands share offer state. */
  band: string
}
