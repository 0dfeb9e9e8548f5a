/**
 * `/order <id>`: the order's live card, posted into the chat the command came from. The order is read from
 * KeyCRM's API and queued as a loud card job, so the delivery worker renders, enriches and paces it like
 * any card, and it becomes the chat's card of that order.
 *
 * @module
 */
import type { ChatTarget, KeygramStore, NewJob } from '../delivery/types.ts'
import type { FormatLocale } from '../format/types.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import { KeycrmApiError } from '../keycrm/errors.ts'
import { parseWebhook } from '../webhook/parse.ts'

/** What `/order` found. */
export type OrderCardResult = { status: 'queued' } | { status: 'not_found' }

/** The order number in a command's arguments (`12345` or `#12345`), or `null`. */
export function orderIdOf(args: string): number | null {
  const match = /^#?(\d{1,12})$/.exec(args.trim())
  const id = match === null ? Number.NaN : Number(match[1])
  return Number.isSafeInteger(id) && id > 0 ? id : null
}

/**
 * Reads order `id` from KeyCRM and queues its card for `target`.
 *
 * @throws {KeycrmApiError} when KeyCRM fails other than with 404; the store's error when the queue does.
 */
export async function queueOrderCard(
  keycrm: Pick<KeycrmClient, 'order'>,
  store: Pick<KeygramStore, 'queue'>,
  target: ChatTarget,
  id: number,
  options: { now: number; locale?: FormatLocale },
): Promise<OrderCardResult> {
  let order: Record<string, unknown>
  try {
    order = (await keycrm.order(id)) as unknown as Record<string, unknown>
  } catch (error) {
    if (error instanceof KeycrmApiError && error.kind === 'not_found') return { status: 'not_found' }
    throw error
  }
  // A webhook's context is the order's own columns: the API's includes are left to enrichment.
  const context = Object.fromEntries(
    Object.entries(order).filter(([, value]) => value === null || typeof value !== 'object'),
  )
  const webhook = { event: 'order.change_order_status', context }
  parseWebhook(webhook) // refuses what a card could not render, here rather than in the worker
  const line = `/order #${id}`
  const job: NewJob = {
    chatId: target.chatId,
    message: { text: line, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: line,
    render: {
      webhook,
      ...(options.locale === undefined ? {} : { locale: options.locale }),
      card: { entity: 'order', id, loud: true },
    },
  }
  if (target.threadId !== undefined) job.threadId = target.threadId
  await store.queue.enqueue({
    deliveryKey: `order-command:${target.chatId}:${target.threadId ?? ''}:${id}:${options.now}`,
    dedupeTtlMs: 60_000,
    jobs: [job],
    now: options.now,
  })
  return { status: 'queued' }
}
