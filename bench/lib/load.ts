/**
 * The delivery bench's load: order status changes spread round-robin over private chats and groups, parsed
 * from the real KeyCRM payload shape so they go through the same code as production webhooks.
 *
 * @module
 */
import { type KeycrmEvent, parseWebhook } from '../../packages/core/src/index.ts'
import type { ChatLoad } from './pacing.ts'

/** Which chats the load goes to. */
export type ChatMix = 'mixed' | 'private'

/** Options of {@link buildLoad}. */
export interface LoadOptions {
  messages: number
  chats: number
  /** `mixed`: one chat in five is a group (40 private + 10 groups of 50); `private`: all private. */
  mix: ChatMix
}

/** Events to accept, each routed to exactly one chat. */
export interface Load {
  events: KeycrmEvent[]
  chats: ChatLoad[]
  /** The one chat an event is routed to. */
  chatOf(event: KeycrmEvent): string
  /** Human description of the mix, e.g. `40 private + 10 group`. */
  describe: string
}

const FIRST_ORDER_ID = 100_000
const STATUS_IDS = [1, 2, 3, 4, 5, 6] as const

/** Builds `messages` distinct order status changes; event `i` goes to chat `i % chats`. */
export function buildLoad(options: LoadOptions): Load {
  const groupEvery = options.mix === 'mixed' ? 5 : 0
  const chats: ChatLoad[] = Array.from({ length: options.chats }, (_, index) => {
    const group = groupEvery > 0 && index % groupEvery === groupEvery - 1
    // Supergroup ids look like -100<id>; private ids are positive user ids.
    const chatId = group ? `-100${1_000_000_000 + index}` : String(500_000_000 + index)
    return { chatId, messages: 0, group }
  })
  const start = Date.parse('2026-01-29T18:53:35Z')
  const events = Array.from({ length: options.messages }, (_, index) => {
    chats[index % chats.length]!.messages++
    const statusId = STATUS_IDS[index % STATUS_IDS.length]!
    const changedAt = new Date(start + index * 1000).toISOString()
    return parseWebhook({
      event: 'order.change_order_status',
      context: {
        id: FIRST_ORDER_ID + index,
        source_uuid: `№${18_000 + index}`,
        status_group_id: statusId,
        status_id: statusId,
        status_changed_at: changedAt,
        ordered_at: '2026-01-29T11:30:49.000000Z',
        created_at: '2026-01-29T11:35:03.000000Z',
        updated_at: changedAt,
        grand_total: 1198 + index,
        payments_total: 0,
        products_total: 1198 + index,
        payment_status: 'not_paid',
        client_id: 23_043,
        manager_id: 6,
        manager_comment: 'Нова Пошта, відділення №5 <Київ> & UTM',
      },
    })
  })
  const chatOf = (event: KeycrmEvent): string => {
    const id = Number(event.context.id)
    return chats[(id - FIRST_ORDER_ID) % chats.length]!.chatId
  }
  const groups = chats.filter((chat) => chat.group).length
  const describe =
    groups === 0 ? `${chats.length} private` : `${chats.length - groups} private + ${groups} group`
  return { events, chats, chatOf, describe }
}
