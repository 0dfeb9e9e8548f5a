/**
 * The stock alerter: turns stock-balance webhooks into low-stock and back-in-stock alerts, one per
 * threshold crossing (never one per webhook), queued durably like notifications.
 *
 * Consistency across restarts and replicas. Each offer's last known level and band states live in one
 * key-value record, updated with `kv.compareAndSet`: read, compute the transition, write only if nobody
 * wrote in between, else re-read and recompute. So concurrent webhooks for one offer, on any number of
 * replicas, are applied one after the other in some order, every crossing of that order is found by
 * exactly one writer, and no crossing is seen twice or missed. (A per-crossing delivery key alone, e.g.
 * `stock:<offer>:<seq>`, would stop duplicates but not misses: a replica judging "no crossing" from a
 * stale level, or overwriting a newer level with an older one, would silently lose one.)
 *
 * Each webhook is identified by a hash of its canonical rows. A body already applied (within
 * `dedupeTtlMs`) is a redelivery and changes nothing. The alerts of one webhook are enqueued in one call
 * under that key, so a retry after a crash cannot queue them twice; and a retry of a webhook whose first
 * attempt updated the state but died before enqueueing finds its own crossings in the state records
 * (they name the body that made them) and queues them then.
 *
 * @module
 */
import { type Clock, systemClock } from '../delivery/clock.ts'
import { resolveChatMigration } from '../delivery/routes.ts'
import type { ChatId, KeyValueStore, NewJob, QueueStore } from '../delivery/types.ts'
import type { FormatLocale } from '../format/types.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import { canonicalJson, fnv1a64 } from '../webhook/hash.ts'
import { DEFAULT_STOCK_MAX_MESSAGES, formatStockAlerts } from './message.ts'
import { createStockProductNames, type StockNamesResult, type StockProductNames } from './names.ts'
import { validateStockRules } from './rules.ts'
import { advanceStockState, readStockState, type StockBand } from './state.ts'
import type { StockBalanceRow, StockCrossing, StockRule, ValidStockRule } from './types.ts'

/** Default {@link StockAlerterOptions.dedupeTtlMs}: 15 minutes. */
export const DEFAULT_STOCK_DEDUPE_TTL_MS = 15 * 60_000

/** Default time budget for product names from KeyCRM's API, in ms. */
export const DEFAULT_STOCK_NAMES_BUDGET_MS = 3_000

/** The key-value key of an offer's stock state. */
export function stockStateKey(offerId: number): string {
  return `stock:offer:${offerId}`
}

/** Options of {@link createStockAlerter}. */
export interface StockAlerterOptions {
  /** Where offer states are kept (`kv.compareAndSet` is required) and alerts are queued. */
  store: { readonly kv: KeyValueStore; readonly queue: Pick<QueueStore, 'enqueue'> }
  /** Alert rules (validated now; {@link StockRuleError} if wrong). */
  rules: StockRule[]
  /** Language of alerts; a rule's `locale` overrides it. Default `uk`. */
  locale?: FormatLocale
  /**
   * Product names from KeyCRM's API: the client, and how long one webhook may wait for names (default
   * 3000 ms). Without it alerts name offers by SKU.
   */
  keycrm?: { client: KeycrmClient; budgetMs?: number; names?: StockProductNames }
  /** The KeyCRM account (`myshop` or `myshop.keycrm.app`): product names link to their pages. */
  keycrmDomain?: string
  clock?: Clock
  /**
   * How long a webhook body is remembered as applied, in ms. Default 15 minutes: long enough for
   * KeyCRM's retries, short enough that the same stock list sent again later (e.g. a level going
   * 4 -> 10 -> 4) is taken as the new change it is.
   */
  dedupeTtlMs?: number
  /** At most this many messages per chat per webhook. Default 5. */
  maxMessagesPerChat?: number
  /** Offers updated at once (store round trips in flight). Default 32. */
  concurrency?: number
}

/** Options of {@link StockAlerter.accept}. */
export interface StockAcceptOptions {
  /** The webhook's idempotency key; default `stock:<hash of the canonical rows>`. */
  deliveryKey?: string
}

/** What became of one stock webhook. */
export interface StockAcceptResult {
  /**
   * `queued`: alerts are durable; `no_alerts`: applied, nothing crossed; `duplicate`: a redelivery,
   * nothing changed.
   */
  status: 'queued' | 'no_alerts' | 'duplicate'
  deliveryKey: string
  /** Rows in the webhook. */
  rows: number
  /** Offers some rule covers. */
  offers: number
  /** Threshold crossings found. */
  crossings: number
  /** Messages queued. */
  jobs: number
  /** How the name lookup went, when KeyCRM's API is configured and something crossed. */
  names?: Pick<StockNamesResult, 'status' | 'reason' | 'requests'>
}

/** Accepts stock webhooks; acknowledge KeyCRM only after {@link StockAlerter.accept} resolved. */
export interface StockAlerter {
  /** The validated rules. */
  readonly rules: readonly ValidStockRule[]
  /**
   * Applies the rows to the stored offer states and queues one summary per chat for the crossings
   * found. Rejects only when the store does (then answer KeyCRM with an error so it retries).
   */
  accept(rows: readonly StockBalanceRow[], options?: StockAcceptOptions): Promise<StockAcceptResult>
}

// Far more than real contention needs; bounded so a store that never agrees cannot spin for ever.
const MAX_CAS_ATTEMPTS = 100

/**
 * Creates a stock alerter.
 *
 * @throws {StockRuleError} for invalid rules; {@link TypeError} when the store lacks `kv.compareAndSet`.
 * @example
 * ```ts
 * const alerter = createStockAlerter({ store, rules: [{ low: 5, chats: [{ chatId: '-1001234567890' }] }] })
 * const result = await alerter.accept(parseStockWebhookText(body))
 * ```
 */
export function createStockAlerter(options: StockAlerterOptions): StockAlerter {
  const { store } = options
  const kv = store.kv
  if (typeof kv.compareAndSet !== 'function')
    throw new TypeError('createStockAlerter: the store must implement kv.compareAndSet')
  const compareAndSet = kv.compareAndSet.bind(kv)
  const rules = validateStockRules(options.rules)
  const clock = options.clock ?? systemClock
  const locale = options.locale ?? 'uk'
  const dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_STOCK_DEDUPE_TTL_MS
  if (!(dedupeTtlMs > 0)) throw new RangeError('createStockAlerter: dedupeTtlMs must be > 0')
  const concurrency = Math.max(1, options.concurrency ?? 32)
  const maxMessages = options.maxMessagesPerChat ?? DEFAULT_STOCK_MAX_MESSAGES
  const keycrm = options.keycrm
  const names =
    keycrm === undefined ? undefined : (keycrm.names ?? createStockProductNames(keycrm.client, { clock }))
  const namesBudgetMs = keycrm?.budgetMs ?? DEFAULT_STOCK_NAMES_BUDGET_MS
  const bandCache = new Map<string, StockBand[]>()

  function bandsOf(sku: string | null): StockBand[] {
    const cacheKey = sku ?? '\u0000'
    let bands = bandCache.get(cacheKey)
    if (bands === undefined) {
      const seen = new Map<string, StockBand>()
      for (const rule of rules)
        if (rule.matches(sku) && !seen.has(rule.band))
          seen.set(rule.band, { key: rule.band, low: rule.low, hysteresis: rule.hysteresis })
      bands = [...seen.values()]
      // Bounded: a catalogue's SKUs, but never more than the memory of a few thousand short arrays.
      if (bandCache.size > 50_000) bandCache.clear()
      bandCache.set(cacheKey, bands)
    }
    return bands
  }

  async function applyOffer(
    row: StockBalanceRow,
    bands: StockBand[],
    body: string,
  ): Promise<StockCrossing[]> {
    const key = stockStateKey(row.offer_id)
    const available = row.in_stock - row.in_reserve
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const stored = await kv.get(key)
      const observation = {
        offerId: row.offer_id,
        sku: row.sku,
        available,
        body,
        now: clock.now(),
        replayWindowMs: dedupeTtlMs,
      }
      const { next, crossings } = advanceStockState(readStockState(stored), bands, observation)
      if (next === null || (await compareAndSet(key, stored, next))) return crossings
    }
    throw new Error(
      `stock state of offer ${row.offer_id} kept changing; gave up after ${MAX_CAS_ATTEMPTS} tries`,
    )
  }

  async function buildJobs(
    crossings: StockCrossing[],
    found: StockNamesResult | undefined,
  ): Promise<NewJob[]> {
    // Targets keyed by chat, topic, language and silence: each gets one summary of its rules' crossings.
    const groups = new Map<
      string,
      {
        chatId: ChatId
        threadId?: number
        locale: FormatLocale
        silent: boolean
        items: Map<string, StockCrossing>
      }
    >()
    const migrated = new Map<ChatId, ChatId>()
    for (const rule of rules) {
      const taken = crossings.filter(
        (crossing) =>
          `${crossing.low}/${crossing.hysteresis}` === rule.band &&
          rule.matches(crossing.sku) &&
          (crossing.direction === 'low' || rule.backInStock),
      )
      if (taken.length === 0) continue
      for (const chat of rule.chats) {
        let chatId = migrated.get(chat.chatId)
        if (chatId === undefined) {
          chatId = await resolveChatMigration(kv, chat.chatId)
          migrated.set(chat.chatId, chatId)
        }
        const ruleLocale = rule.locale ?? locale
        const silent = rule.disableNotification ?? false
        const groupKey = `${chatId}\u0000${chat.threadId ?? ''}\u0000${ruleLocale}\u0000${silent}`
        let group = groups.get(groupKey)
        if (group === undefined) {
          group = { chatId, locale: ruleLocale, silent, items: new Map() }
          if (chat.threadId !== undefined) group.threadId = chat.threadId
          groups.set(groupKey, group)
        }
        // Two rules with one band and one chat would otherwise list an offer twice.
        for (const crossing of taken)
          group.items.set(`${crossing.offerId}/${rule.band}/${crossing.seq}`, crossing)
      }
    }
    const jobs: NewJob[] = []
    for (const group of groups.values()) {
      const formatted = formatStockAlerts([...group.items.values()], {
        locale: group.locale,
        ...(found === undefined ? {} : { names: found.names }),
        ...(options.keycrmDomain === undefined ? {} : { keycrmDomain: options.keycrmDomain }),
        maxMessages,
        disableNotification: group.silent,
      })
      for (const { message, summaryLine } of formatted) {
        const job: NewJob = { chatId: group.chatId, message, summaryLine }
        if (group.threadId !== undefined) job.threadId = group.threadId
        jobs.push(job)
      }
    }
    return jobs
  }

  return {
    rules,
    async accept(rows, acceptOptions = {}) {
      const deliveryKey = acceptOptions.deliveryKey ?? `stock:${fnv1a64(canonicalJson(rows))}`
      const seenKey = `stock:seen:${deliveryKey}`
      const result: StockAcceptResult = {
        status: 'no_alerts',
        deliveryKey,
        rows: rows.length,
        offers: 0,
        crossings: 0,
        jobs: 0,
      }
      if ((await kv.get(seenKey)) !== null) return { ...result, status: 'duplicate' }

      // The last row of an offer wins: it is the latest level this webhook reports.
      const latest = new Map<number, { row: StockBalanceRow; bands: StockBand[] }>()
      for (const row of rows) {
        const bands = bandsOf(row.sku)
        if (bands.length === 0) latest.delete(row.offer_id)
        else latest.set(row.offer_id, { row, bands })
      }
      result.offers = latest.size
      const work = [...latest.values()]
      const crossings: StockCrossing[] = []
      let next = 0
      const lane = async () => {
        while (next < work.length) {
          const item = work[next++]!
          crossings.push(...(await applyOffer(item.row, item.bands, deliveryKey)))
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, lane))
      result.crossings = crossings.length

      if (crossings.length > 0) {
        let found: StockNamesResult | undefined
        if (names !== undefined) {
          const skus = crossings.flatMap((crossing) => (crossing.sku === null ? [] : [crossing.sku]))
          found = await names.lookup(skus, namesBudgetMs).catch(() => undefined)
          if (found !== undefined) {
            result.names = { status: found.status, requests: found.requests }
            if (found.reason !== undefined) result.names.reason = found.reason
          }
        }
        const jobs = await buildJobs(crossings, found)
        if (jobs.length > 0) {
          const { accepted } = await store.queue.enqueue({ deliveryKey, dedupeTtlMs, jobs, now: clock.now() })
          result.status = accepted ? 'queued' : 'duplicate'
          result.jobs = accepted ? jobs.length : 0
        }
      }
      await kv.set(seenKey, 1, { ttlMs: dedupeTtlMs })
      return result
    },
  }
}
