/**
 * Action presses against the fake Bot API and the fake KeyCRM API over real HTTP: a card with buttons sent by
 * the delivery worker, then presses pushed as callback queries and handed to the handler.
 */
import { createFakeBotApi, type FakeBotApi } from '../../../testing/src/fake-bot-api/index.ts'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../../testing/src/fake-keycrm/index.ts'
import { createActionCardDecorator } from '../../src/actions/card-buttons.ts'
import { createFetchActionBotApi } from '../../src/actions/fetch-bot-api.ts'
import { createActionKeyboards } from '../../src/actions/keyboard.ts'
import { type ActionHandlerOptions, createActionHandler } from '../../src/actions/press.ts'
import { type ActionRule, resolveActionRules } from '../../src/actions/rules.ts'
import { createActionTokens } from '../../src/actions/token.ts'
import { createNotifier } from '../../src/delivery/notifier.ts'
import { createJobRenderer } from '../../src/delivery/render.ts'
import { createDeliveryWorker } from '../../src/delivery/worker.ts'
import type { FormatOptions } from '../../src/format/types.ts'
import { createKeycrmClient } from '../../src/keycrm/client.ts'
import { createKeycrmDictionaries } from '../../src/keycrm/dictionaries.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { createFetchTransport } from '../../src/telegram/fetch-transport.ts'
import { parseWebhook } from '../../src/webhook/parse.ts'

export const GROUP = -1001234567890
export const ADMIN = 4242
export const ORDER = 67526
const SECRET = 'actions-test-secret-0123456789abcdef'
const WEEK_S = 7 * 24 * 60 * 60

/** The default transitions of these tests: in transit -> completed, or canceled (confirmed). */
export const RULES: ActionRule[] = [{ from: { statusIds: [11] }, to: ['completed', 'canceled'] }]

export async function actionHarness(
  options: { rules?: ActionRule[]; handler?: Partial<ActionHandlerOptions>; cards?: boolean } = {},
) {
  const fake: FakeBotApi = await createFakeBotApi({ limits: { enabled: false } })
  const keycrm: FakeKeycrmApi = await createFakeKeycrmApi()
  const client = createKeycrmClient({
    apiKey: keycrm.apiKey,
    baseUrl: keycrm.url,
    requestTimeoutMs: 500,
    backoff: { baseMs: 10, capMs: 20 },
  })
  const statuses = await createKeycrmDictionaries(client).statusDictionary()
  const format: FormatOptions = { locale: 'en', statuses, keycrmDomain: 'shop' }
  const store = memoryStore()
  const transport = createFetchTransport({ token: fake.token, apiRoot: fake.url })
  const api = createFetchActionBotApi({ token: fake.token, apiRoot: fake.url })
  const tokens = await createActionTokens(SECRET)
  const keyboards = createActionKeyboards({
    tokens,
    rules: resolveActionRules(options.rules ?? RULES, statuses),
    statuses,
    locale: 'en',
    ttlSeconds: WEEK_S,
  })
  const renderer = createJobRenderer({ format })
  const notifier = createNotifier({
    store,
    routes: [{ chatId: GROUP, ...(options.cards === false ? { cards: false } : {}) }],
    format,
    renderAt: 'send',
  })
  const worker = createDeliveryWorker({
    store,
    transport,
    render: renderer,
    limits: { groupChatIntervalMs: 0, groupMessagesPerMinute: Number.POSITIVE_INFINITY },
    cards: { decorate: createActionCardDecorator(keyboards) },
  })
  const handler = createActionHandler({
    store,
    tokens,
    keyboards,
    keycrm: client,
    api,
    transport: transport as Required<typeof transport>,
    renderer,
    admins: [ADMIN],
    locale: 'en',
    cardTtlMs: WEEK_S * 1000,
    ...options.handler,
  })

  /** KeyCRM's webhook for `order` as it stands in the fake, accepted like the server does, then delivered. */
  async function webhookOfOrder(order = ORDER): Promise<void> {
    const found = keycrm.data.orders.find((item) => item.id === order)!
    const context = Object.fromEntries(
      Object.entries(found).filter(([, value]) => value === null || typeof value !== 'object'),
    )
    await notifier.accept(parseWebhook({ event: 'order.change_order_status', context }))
    await drain()
  }

  async function drain(): Promise<void> {
    for (let round = 0; round < 50 && (await worker.runOnce()) > 0; round++) {}
  }

  const card = () => fake.sent.find((message) => message.chat_id === GROUP)!
  type Button = { text: string; callback_data?: string; url?: string }
  const buttons = (): Button[] => {
    const markup = fake.message(GROUP, card().message_id)?.reply_markup as
      | { inline_keyboard: Button[][] }
      | undefined
    return markup?.inline_keyboard.flat() ?? []
  }
  const button = (label: string) => {
    const found = buttons().find((item) => item.text === label)
    if (found?.callback_data === undefined)
      throw new Error(`no button "${label}" on the card: ${JSON.stringify(buttons())}`)
    return found.callback_data
  }
  const press = (data: string, from = ADMIN) => {
    const update = fake.pushCallbackQuery({
      message: { chat: GROUP, message_id: card().message_id },
      data,
      from: { id: from, first_name: 'Olha' },
    })
    if (update === undefined) throw new Error('the press was filtered out')
    return handler.handle(update.callback_query)
  }
  const puts = () => keycrm.writes.filter((write) => write.method === 'PUT')
  const answers = () =>
    fake.callbackAnswers.map((answer) => ({ text: answer.text ?? '', alert: answer.show_alert }))

  return {
    fake,
    keycrm,
    store,
    handler,
    notifier,
    worker,
    drain,
    webhookOfOrder,
    card,
    buttons,
    button,
    press,
    puts,
    answers,
    async close() {
      handler.stop()
      await worker.stop()
      await Promise.all([fake.close(), keycrm.close()])
    },
  }
}
