/**
 * Cards bench: a bulk status change of 300 orders that already have live cards in one group chat, through
 * the fake Bot API that enforces Telegram's limits (edits count like messages). Measures when the chat has
 * seen every order in summaries (goal: within 30 s, no 429), when the 300 card edits that trail behind at
 * the spare pace are done, against the least time the group's 20 per minute allows them, and how fast a new
 * order's card goes out while the edits still trail.
 *
 * Run: `node --import tsx bench/cards.ts` (`BENCH_SCALE=0.1` for a quick look at 30 orders; only a full run
 * is recorded).
 *
 * @module
 */
import {
  cardKey,
  commitCardChange,
  createDeliveryWorker,
  createFetchTransport,
  createJobRenderer,
  createNotifier,
  type DeliveryEvent,
  type FormatOptions,
  memoryStore,
  messageHash,
  parseWebhook,
} from '../packages/core/src/index.ts'
import { createFakeBotApi } from '../packages/testing/src/index.ts'
import { minimumSeconds } from './lib/pacing.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const FULL_ORDERS = 300
const GROUP = '-1001000000001'
const FORMAT: FormatOptions = {
  locale: 'uk',
  timeZone: 'UTC',
  keycrmDomain: 'demo',
  statuses: { order: { 2: { name: 'Підтверджено', groupId: 2 }, 4: { name: 'Відправлено', groupId: 4 } } },
}
const SUMMARY_GOAL_SECONDS = 30
const GROUP_PER_MINUTE = 20

function orderWebhook(id: number, statusId: number, at: string) {
  return {
    event: 'order.change_order_status',
    context: {
      id,
      source_uuid: `№${id - 6_990_000}`,
      status_id: statusId,
      status_group_id: statusId,
      status_changed_at: at,
      updated_at: at,
      grand_total: 1000 + (id % 900),
      payment_status: 'paid',
    },
  }
}

async function main(): Promise<void> {
  const scale = readScale()
  const orders = Math.max(12, Math.round(FULL_ORDERS * scale))
  const ids = Array.from({ length: orders }, (_, index) => 7_000_001 + index)
  const fake = await createFakeBotApi()
  const store = memoryStore()
  const transport = createFetchTransport({ token: fake.token, apiRoot: fake.url })
  const renderer = createJobRenderer({ format: FORMAT })
  console.log(`cards bench: ${orders} orders with live cards in one group, then a bulk change of all of them`)

  // The cards as the chat has them before the bulk change: one message per order, its state in the store.
  for (const id of ids) {
    const webhook = orderWebhook(id, 2, '2026-12-07 09:00:00')
    const record = await commitCardChange(
      store.kv,
      cardKey({ chatId: GROUP }, { entity: 'order', id }),
      { webhook },
      {
        now: Date.now(),
        ttlMs: 86_400_000,
      },
    )
    const message = await renderer.card({ webhook, card: { entity: 'order', id, loud: true } }, record)
    fake.resetRateLimits()
    const sent = await transport.sendMessage({ chatId: GROUP }, message)
    if (!sent.ok) throw new Error(`seeding card ${id} failed: ${sent.description}`)
    await commitCardChange(
      store.kv,
      cardKey({ chatId: GROUP }, { entity: 'order', id }),
      { messageId: sent.messageId, sentAt: Date.now(), shownHash: messageHash(message) },
      { now: Date.now(), ttlMs: 86_400_000 },
    )
  }
  fake.clear()
  fake.resetRateLimits()

  const notifier = createNotifier({ store, routes: [{ chatId: GROUP }], format: FORMAT, renderAt: 'send' })
  const events: DeliveryEvent[] = []
  const worker = createDeliveryWorker({
    store,
    transport,
    render: renderer,
    onEvent: (event) => events.push(event),
  })
  const started = performance.now()
  for (const id of ids) await notifier.accept(parseWebhook(orderWebhook(id, 4, '2026-12-07 10:00:00')))
  const acceptedMs = performance.now() - started
  worker.start()

  const named = new Set<number>()
  let summariesSeconds: number | null = null
  let newOrder: { postedAt: number; seconds: number | null } | null = null
  const deadline = started + (orders / GROUP_PER_MINUTE) * 60_000 * 2 + 120_000
  while (performance.now() < deadline) {
    for (const message of fake.sent)
      for (const id of ids) if (message.plain_text.includes(`#${id}`)) named.add(id)
    if (summariesSeconds === null && named.size === orders)
      summariesSeconds = (performance.now() - started) / 1000
    // Once the summaries are out, a new order arrives while the edits still trail: it must not wait for them.
    if (summariesSeconds !== null && newOrder === null) {
      newOrder = { postedAt: performance.now(), seconds: null }
      await notifier.accept(parseWebhook(orderWebhook(7_999_999, 2, '2026-12-07 10:05:00')))
    }
    if (
      newOrder !== null &&
      newOrder.seconds === null &&
      fake.sent.some((m) => m.plain_text.includes('#7999999'))
    )
      newOrder.seconds = (performance.now() - newOrder.postedAt) / 1000
    if (fake.edits.length >= orders && newOrder?.seconds != null) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await worker.stop()
  const lastEdit = fake.edits.length === 0 ? null : (performance.now() - started) / 1000
  // The least time the group's limits allow every call it got (summaries, the new card, the edits).
  const calls = fake.sent.length + fake.edits.length
  const editsMinimum = minimumSeconds([{ chatId: GROUP, group: true, messages: calls }]).seconds
  const summaries = fake.sent.filter((message) => !message.plain_text.includes('#7999999')).length
  const result = {
    orders,
    accept_ms: Math.round(acceptedMs),
    summary_messages: summaries,
    summaries_seconds: summariesSeconds === null ? null : Number(summariesSeconds.toFixed(2)),
    summary_goal_seconds: SUMMARY_GOAL_SECONDS,
    http_429: fake.count429,
    card_edits: fake.edits.length,
    edits_trailing_seconds: lastEdit === null ? null : Number(lastEdit.toFixed(1)),
    edits_minimum_seconds: Number(editsMinimum.toFixed(1)),
    edits_ratio_vs_minimum: lastEdit === null ? null : Number((lastEdit / editsMinimum).toFixed(3)),
    new_order_seconds: newOrder?.seconds == null ? null : Number(newOrder.seconds.toFixed(2)),
  }
  await fake.close()
  console.log(
    formatTable(
      ['measure', 'value'],
      Object.entries(result).map(([key, value]) => [key, String(value)]),
    ),
  )
  const failures: string[] = []
  if (summariesSeconds === null || summariesSeconds > SUMMARY_GOAL_SECONDS)
    failures.push(`summaries took ${result.summaries_seconds} s (goal ${SUMMARY_GOAL_SECONDS} s)`)
  if (fake.count429 > 0) failures.push(`${fake.count429} x 429`)
  if (fake.edits.length < orders) failures.push(`only ${fake.edits.length} of ${orders} cards edited`)
  if (scale === 1) await mergeResults({ cards: result })
  if (failures.length > 0) {
    console.error(`cards bench: ${failures.join('; ')}`)
    process.exitCode = 1
  }
}

await main()
