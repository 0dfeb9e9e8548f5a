/**
 * Realistic KeyCRM `order.change_order_status` webhook bodies for the fault tests, and the routes that
 * spread them over private chats and groups.
 */
import type { RouteRule } from '@keygram/core'

/** A small seeded generator (mulberry32), so a failing load can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Twenty chats: 8 private chats, 8 supergroups and 4 basic groups, so both pacing classes and both kinds of
 * negative id are exercised.
 */
export const FAULT_CHATS: readonly string[] = [
  ...Array.from({ length: 8 }, (_, index) => String(710_000_001 + index)),
  ...Array.from({ length: 8 }, (_, index) => String(-1_001_234_500_001 - index)),
  ...Array.from({ length: 4 }, (_, index) => String(-4_000_000_001 - index)),
]

/** Order status ids 101..120, one per chat: a shop routes each status to the team that handles it. */
export const FAULT_STATUS_IDS: readonly number[] = FAULT_CHATS.map((_, index) => 101 + index)

/** One rule per chat, taking the order status changes into that chat's status. */
export const FAULT_ROUTES: RouteRule[] = FAULT_CHATS.map((chatId, index) => ({
  chatId,
  kinds: ['order_status'],
  statusIds: [FAULT_STATUS_IDS[index]!],
}))

/** The chat a status id is routed to. */
export function chatOfStatus(statusId: number): string {
  const chat = FAULT_CHATS[FAULT_STATUS_IDS.indexOf(statusId)]
  if (chat === undefined) throw new Error(`status ${statusId} has no route`)
  return chat
}

/** A generated webhook: its JSON text as KeyCRM posts it, and what the test expects from it. */
export interface GeneratedWebhook {
  body: string
  orderId: number
  chatId: string
  /** `true` for KeyCRM's retry of an earlier delivery (same body): must be suppressed, not sent again. */
  redelivery: boolean
}

/** First order id; every generated webhook is a different order, so the id marks its message. */
export const FIRST_ORDER_ID = 70_001

const PAYMENT_STATUSES = ['not_paid', 'paid', 'part_paid', 'overpaid'] as const

/** `2026-01-29T18:53:35.000000Z` or `2026-01-29 18:53:35`: KeyCRM sends both. */
function keycrmTime(epochMs: number, sqlStyle: boolean): string {
  const iso = new Date(epochMs).toISOString()
  return sqlStyle ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : `${iso.slice(0, 19)}.000000Z`
}

/**
 * `count` distinct order status changes (distinct order id, status and change time), in the order KeyCRM
 * would post them, plus `redeliveries` repeats of earlier bodies interleaved (KeyCRM retries a delivery).
 */
export function generateWebhooks(count: number, redeliveries: number, seed: number): GeneratedWebhook[] {
  const random = seededRandom(seed)
  const start = Date.UTC(2026, 1, 2, 8, 0, 0)
  const originals: GeneratedWebhook[] = []
  for (let index = 0; index < count; index++) {
    const orderId = FIRST_ORDER_ID + index
    const statusId = FAULT_STATUS_IDS[Math.floor(random() * FAULT_STATUS_IDS.length)]!
    const changedAt = start + index * 37_000 + Math.floor(random() * 30_000)
    const orderedAt = changedAt - 3_600_000 - Math.floor(random() * 86_400_000)
    const total = 150 + Math.floor(random() * 9_000)
    const sqlStyle = random() < 0.3
    const context = {
      id: orderId,
      source_uuid: `№${18_000 + index}`,
      global_source_uuid: String(5_821_089_251_461 + index),
      status_on_source: 'new',
      status_group_id: ((statusId - 101) % 6) + 1,
      status_id: statusId,
      status_changed_at: keycrmTime(changedAt, sqlStyle),
      ordered_at: keycrmTime(orderedAt, sqlStyle),
      created_at: keycrmTime(orderedAt + 240_000, sqlStyle),
      updated_at: keycrmTime(changedAt, sqlStyle),
      // KeyCRM sends money as numbers or as strings like "1198.00".
      grand_total: random() < 0.5 ? total : `${total}.00`,
      payments_total: 0,
      products_total: total,
      payment_status: PAYMENT_STATUSES[Math.floor(random() * PAYMENT_STATUSES.length)]!,
      client_id: 23_000 + Math.floor(random() * 5_000),
      manager_id: 1 + Math.floor(random() * 9),
      manager_comment: random() < 0.3 ? `Call before delivery <${index}> & pack as a gift` : null,
    }
    originals.push({
      body: JSON.stringify({ event: 'order.change_order_status', context }),
      orderId,
      chatId: chatOfStatus(statusId),
      redelivery: false,
    })
  }
  const all = [...originals]
  for (let repeat = 0; repeat < redeliveries; repeat++) {
    // A retry arrives after its original: insert it somewhere after that position.
    const originalIndex = Math.floor(random() * count)
    const original = originals[originalIndex]!
    const position = all.indexOf(original) + 1 + Math.floor(random() * 40)
    all.splice(Math.min(position, all.length), 0, { ...original, redelivery: true })
  }
  return all
}

/** The order id a sent message is about, read from its visible text (`... #70001 ...`). */
export function orderIdOfText(plainText: string): number | null {
  const match = /#(\d+)/.exec(plainText)
  return match === null ? null : Number(match[1])
}
