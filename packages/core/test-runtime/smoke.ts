/**
 * A smoke test of @keygram/core's public API that needs nothing but web standards. The test command runs
 * it under Deno and Bun (`scripts/test-runtimes.mjs`) and vitest runs it under Node, so the core is
 * proven runtime-agnostic by the same assertions on all three.
 */
import {
  createDeliveryWorker,
  createNotifier,
  createStoreLease,
  deliveryKey,
  fnv1a64,
  formatCard,
  formatNotification,
  KeycrmWebhookError,
  LeaseLostError,
  memoryStore,
  messageHash,
  type OutgoingMessage,
  parseWebhookText,
  readWebhook,
  runExclusive,
  splitTelegramHtml,
  type TelegramTransport,
  validateTelegramHtml,
  verifyWebhookSecret,
  visibleLength,
} from '../src/index.ts'

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`smoke: ${message}`)
}

const productionBody = JSON.stringify({
  event: 'order.change_order_status',
  context: {
    id: 23196,
    source_uuid: '№18766',
    status_id: 1,
    status_group_id: 1,
    status_changed_at: '2026-01-29T18:53:35.000000Z',
    created_at: '2024-05-28 09:34:10',
    grand_total: '1198.00',
    payment_status: 'not_paid',
    manager_comment: '<script>alert(1)</script> & "quotes"',
  },
})

export async function runSmoke(): Promise<string[]> {
  const passed: string[] = []

  const event = parseWebhookText(productionBody)
  check(event.kind === 'order_status', 'known event kind')
  check(event.context.grand_total === 1198, 'numeric string coerced')
  check(event.context.created_at === '2024-05-28T09:34:10.000Z', 'space timestamp normalised')
  check(
    deliveryKey(event) === deliveryKey(parseWebhookText(productionBody)),
    'delivery key is stable across parses',
  )
  passed.push('parse + deliveryKey')

  const request = new Request('http://localhost/webhooks/keycrm/s', { method: 'GET' })
  const refused = await readWebhook(request).catch((error: unknown) => error)
  check(refused instanceof KeycrmWebhookError && refused.code === 'method_not_allowed', 'GET refused')
  passed.push('readWebhook')

  check(await verifyWebhookSecret('correct horse', 'correct horse'), 'right secret accepted')
  check(!(await verifyWebhookSecret('correct horse', 'correct hors')), 'wrong secret refused')
  passed.push('WebCrypto secret check')

  const messages = formatNotification(event, { locale: 'en', keycrmDomain: 'demo' })
  check(messages.length === 1, 'one message')
  const [message] = messages
  check(message !== undefined && validateTelegramHtml(message.text).ok, 'valid Telegram HTML')
  check(!message.text.includes('<script>'), 'payload HTML escaped')
  const button = message.reply_markup?.inline_keyboard[0]?.[0]
  check(button !== undefined && 'url' in button && button.url.includes('demo.keycrm.app'), 'button')
  const parts = splitTelegramHtml(`<b>${'line &amp; more\n'.repeat(2000)}</b>`)
  check(parts.length > 1 && parts.every((part) => visibleLength(part) <= 4096), 'split under the limit')
  check(
    parts.every((part) => validateTelegramHtml(part).ok),
    'every part well formed',
  )
  passed.push('format + split (Intl, HTML)')

  // A card's history line needs the time zone database; its hash, TextEncoder and 32-bit integer maths.
  const history = [
    { statusId: 1, at: Date.parse('2026-01-28T21:30:00Z') },
    { statusId: 3, at: Date.parse('2026-01-29T12:40:00Z') },
  ]
  const card = formatCard(
    { event, history },
    { locale: 'uk', statuses: { order: { 3: { name: 'shipped' } } } },
  )
  check(card.text.includes('🕓 #1 28.01 23:30 → Відправлено 29.01 14:40'), 'card history in Kyiv time')
  const keyboard = { inline_keyboard: [[{ text: 'KeyCRM', url: 'https://demo.keycrm.app/' }]] }
  // The value Node computes (and an independent FNV-1a of the same JSON): every runtime must agree.
  check(
    messageHash({ text: 'Нове', reply_markup: keyboard }) === '7ab9e389795cbad0',
    'hash is the same everywhere',
  )
  check(fnv1a64(new TextEncoder().encode('foobar')) === '85944171f73967e8', 'FNV-1a 64 test vector')
  passed.push('card + hash')

  const store = memoryStore()
  const order: string[] = []
  const held = await runExclusive(
    store.guard,
    'smoke',
    async (lease) => {
      order.push(`held:${lease.fencingToken}`)
      return lease.fencingToken
    },
    { ttl: 1000 },
  )
  check(held === 1 && (await store.guard.inspect('smoke')) === null, 'lease held, then released')
  passed.push('guard')

  // A store-granted lease's local alarm: unref'd timers differ by runtime (Deno unrefs by id).
  let freed = 0
  const storeLease = createStoreLease({
    grant: { id: 'g1', name: 'smoke-store', holder: 'me', fencingToken: 7 },
    ttlMs: 30,
    clock: Date.now,
    sentAt: performance.now(),
    clockAtSend: Date.now(),
    renewRemote: async () => ({ renewed: true }),
    releaseRemote: async () => {
      freed++
    },
  })
  // The alarm is unref'd, so it would not keep the runtime alive on its own while this waits for it.
  const keepAlive = setTimeout(() => {}, 5000)
  const lapsed = await new Promise<unknown>((resolve) => {
    storeLease.signal.addEventListener('abort', () => resolve(storeLease.signal.reason), { once: true })
  })
  clearTimeout(keepAlive)
  check(lapsed instanceof LeaseLostError && lapsed.reason === 'expired', 'store lease expires locally')
  check((await storeLease.renew()) === false && freed === 1, 'expired lease freed once, not renewed')
  passed.push('store lease')

  const sent: { chatId: string; message: OutgoingMessage }[] = []
  const transport: TelegramTransport = {
    async sendMessage(target, outgoing) {
      sent.push({ chatId: target.chatId, message: outgoing })
      return { ok: true, messageId: sent.length }
    },
  }
  const notifier = createNotifier({ store, routes: [{ chatId: '1001' }] })
  const first = await notifier.accept(event)
  const again = await notifier.accept(parseWebhookText(productionBody))
  check(first.status === 'queued' && again.status === 'duplicate', 'redelivery suppressed')
  const worker = createDeliveryWorker({ store, transport, coalesce: false })
  await worker.runOnce()
  check(sent.length === 1 && sent[0]?.chatId === '1001', 'delivered once')
  check((await store.queue.stats(Date.now())).pending === 0, 'queue drained')
  await store.close()
  passed.push('notifier + worker + memory store')

  return passed
}

// Run directly (Deno, Bun, or `node --import tsx`): print and exit non-zero on failure.
const isMain =
  typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined' ||
  typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined'
if (isMain) {
  runSmoke().then(
    (passed) => {
      for (const name of passed) console.log(`  ok ${name}`)
      // The runner looks for this line: a runtime that exits early (nothing left keeping it alive) exits 0.
      console.log(`smoke: ${passed.length} passed`)
    },
    (error: unknown) => {
      console.error(error)
      throw error
    },
  )
}
