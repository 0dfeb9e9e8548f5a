/**
 * Accepting KeyCRM's stock-balance webhook: the stock alerter's crossings, or a one-time hint when no stock
 * alerts are configured.
 *
 * @module
 */
import type { StockAlerter, StockBalanceRow } from '@keygram/core'
import { json, jsonError } from '../http/responses.ts'
import { activityOf } from '../logging/logger.ts'
import { formatDuration } from '../logging/subject.ts'
import type { KeygramMetrics } from '../metrics/index.ts'
import { withDeadline } from '../store-deadline.ts'
import { defaultStoreGuarding, type StoreGuarding } from './accept-event.ts'
import type { AppLogger } from './app-logger.ts'

/**
 * Creates the stock acceptor; `alerter` `null` accepts every stock webhook as `unrouted`. Like events, a
 * store that fails or does not answer within `store.deadlineMs` is a `503 store_unavailable`.
 */
export function createStockAcceptor(
  alerter: Pick<StockAlerter, 'accept'> | null,
  metrics: KeygramMetrics,
  logger: AppLogger,
  store: StoreGuarding = defaultStoreGuarding(logger),
): (rows: StockBalanceRow[]) => Promise<Response> {
  const received = {
    queued: metrics.webhooksReceived.bind({ status: 'stock_queued' }),
    duplicate: metrics.webhooksReceived.bind({ status: 'stock_duplicate' }),
    no_alerts: metrics.webhooksReceived.bind({ status: 'stock_no_alerts' }),
    unrouted: metrics.webhooksReceived.bind({ status: 'stock_unrouted' }),
  }
  let warnedNoStockRules = false
  const activity = activityOf(logger)

  return async (rows) => {
    if (alerter === null) {
      received.unrouted.inc()
      if (!warnedNoStockRules) {
        warnedNoStockRules = true
        logger.warn(
          'a KeyCRM stock-balance webhook arrived but no stock alerts are configured: set KEYGRAM_STOCK_LOW (with KEYGRAM_CHAT_ID) or stockRules in keygram.config.ts',
        )
      }
      return json(200, { status: 'unrouted', deliveryKey: null, rows: rows.length })
    }
    try {
      const started = performance.now()
      const result = await withDeadline(alerter.accept(rows), store.deadlineMs)
      store.outages.recovered()
      received[result.status].inc()
      activity(
        `stock webhook: ${result.rows} rows, ${result.offers} offers watched, ${result.crossings} crossings, ${result.status} (${result.jobs} messages) in ${formatDuration(performance.now() - started)}`,
      )
      return json(200, {
        status: result.status,
        deliveryKey: result.deliveryKey,
        rows: result.rows,
        crossings: result.crossings,
        messages: result.jobs,
      })
    } catch (error) {
      metrics.webhooksRejected.inc({ reason: 'store_unavailable' })
      store.outages.failed(`stock webhook (${rows.length} rows)`, error)
      return jsonError(
        503,
        'store_unavailable',
        'The stock webhook could not be applied right now; KeyCRM will retry it.',
      )
    }
  }
}
