/**
 * Product names for stock alerts, from KeyCRM's API (`GET /offers?filter[sku]=...&include=product`):
 * batched, cached, and best-effort within a time budget. An alert never waits longer than the budget;
 * offers whose names have not arrived by then are shown by SKU alone.
 *
 * @module
 */
import { type Clock, systemClock } from '../delivery/clock.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import { KEYCRM_PAGE_LIMIT } from '../keycrm/client.ts'
import type { KeycrmOffer } from '../keycrm/types.ts'

/** What the API tells about one SKU. */
export interface StockProductInfo {
  /** The product's name. */
  name: string
  /** The product id, for a link to the product in KeyCRM. */
  productId: number | null
}

/** Options of {@link createStockProductNames}. */
export interface StockProductNamesOptions {
  /** How long a name (or "no such SKU") is kept, in ms. Default 1 hour. */
  ttlMs?: number
  /** Most SKUs kept; the oldest are forgotten first. Default 10 000. */
  maxEntries?: number
  clock?: Pick<Clock, 'now' | 'sleep'>
}

/** The outcome of one lookup. */
export interface StockNamesResult {
  /** Names by SKU, for the SKUs the API (or the cache) knew. */
  names: Map<string, StockProductInfo>
  /** `complete`: every SKU was answered (found or not); `partial`: some were not, and why. */
  status: 'complete' | 'partial'
  reason?: 'timeout' | 'error'
  /** API requests made. */
  requests: number
}

/** Looks product names up by SKU. */
export interface StockProductNames {
  /** Names of `skus`, waiting at most `budgetMs` for the API. Never rejects. */
  lookup(skus: readonly string[], budgetMs: number): Promise<StockNamesResult>
}

interface CacheEntry {
  info: StockProductInfo | null
  expiresAt: number
}

/**
 * Creates a cached name lookup over `client`. SKUs not in the cache are asked for 50 at a time (the
 * API's page size); all batches are sent at once and wait their turn in the client's rate limiter;
 * when the budget is spent, the ones still waiting or in flight are abandoned.
 */
export function createStockProductNames(
  client: KeycrmClient,
  options: StockProductNamesOptions = {},
): StockProductNames {
  const clock = options.clock ?? systemClock
  const ttlMs = options.ttlMs ?? 3_600_000
  const maxEntries = options.maxEntries ?? 10_000
  // A Map keeps insertion order, which makes it a cheap least-recently-stored cache.
  const cache = new Map<string, CacheEntry>()

  function remember(sku: string, info: StockProductInfo | null, now: number): void {
    cache.delete(sku)
    cache.set(sku, { info, expiresAt: now + ttlMs })
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value
      if (oldest === undefined) break
      cache.delete(oldest)
    }
  }

  return {
    async lookup(skus, budgetMs) {
      const now = clock.now()
      const names = new Map<string, StockProductInfo>()
      const missing: string[] = []
      for (const sku of new Set(skus)) {
        const entry = cache.get(sku)
        if (entry !== undefined && entry.expiresAt > now) {
          if (entry.info !== null) names.set(sku, entry.info)
        } else missing.push(sku)
      }
      if (missing.length === 0) return { names, status: 'complete', requests: 0 }
      if (!(budgetMs > 0)) return { names, status: 'partial', reason: 'timeout', requests: 0 }

      const budget = new AbortController()
      const finished = new AbortController()
      let expired = false
      let failed = false
      const deadline = clock.sleep(budgetMs, finished.signal).then(() => {
        if (finished.signal.aborted) return
        expired = true
        budget.abort(new DOMException('stock name budget spent', 'TimeoutError'))
      })
      const batches: string[][] = []
      for (let start = 0; start < missing.length; start += KEYCRM_PAGE_LIMIT)
        batches.push(missing.slice(start, start + KEYCRM_PAGE_LIMIT))
      const tasks = batches.map((batch) =>
        client.offersBySku(batch, { signal: budget.signal, priority: 'products' }).then(
          (offers) => {
            const at = clock.now()
            const found = new Map<string, StockProductInfo>()
            for (const offer of offers) {
              const info = infoOf(offer)
              if (offer.sku && info !== null && batch.includes(offer.sku)) found.set(offer.sku, info)
            }
            for (const sku of batch) {
              const info = found.get(sku) ?? null
              remember(sku, info, at)
              if (info !== null) names.set(sku, info)
            }
          },
          () => {
            if (!budget.signal.aborted) failed = true
          },
        ),
      )
      await Promise.race([Promise.all(tasks), deadline])
      finished.abort()
      budget.abort(new DOMException('stock name lookup finished', 'AbortError'))
      const complete = !expired && !failed
      const result: StockNamesResult = {
        names,
        status: complete ? 'complete' : 'partial',
        requests: batches.length,
      }
      if (!complete) result.reason = expired ? 'timeout' : 'error'
      return result
    },
  }
}

function infoOf(offer: KeycrmOffer): StockProductInfo | null {
  const name = offer.product?.name
  if (typeof name !== 'string' || name.trim() === '') return null
  const productId = offer.product?.id ?? offer.product_id
  return { name: name.trim(), productId: typeof productId === 'number' && productId > 0 ? productId : null }
}
