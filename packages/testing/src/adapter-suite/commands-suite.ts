/**
 * The bot-commands suite both framework adapters run (see {@link testCommandsAdapter}).
 *
 * @module
 */
import {
  type CommandHandlersOptions,
  combineRoutes,
  commandList,
  createDeliveryWorker,
  createFetchTransport,
  createNotifier,
  type FormatLocale,
  type KeycrmEvent,
  type KeygramStore,
  memoryStore,
  parseWebhook,
  SUBSCRIPTIONS_KEY,
  subscriptionRoutes,
} from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFakeBotApi, type FakeBotApi, type FakeUpdate } from '../fake-bot-api/index.ts'

/** How the suite drives one framework: a bot with the commands plugin installed, pointed at the fake. */
export interface CommandsAdapter<B> {
  /** A bot whose API root is `fake.url`, knowing `fake.botInfo` (no getMe), with `keygramCommands(options)`. */
  createBot(fake: FakeBotApi, options: CommandHandlersOptions): B
  handleUpdate(bot: B, update: unknown): Promise<void>
  /** `registerKeygramCommands` with the framework's API client. */
  registerCommands(bot: B, locale: FormatLocale, other?: { language_code: string }): Promise<unknown>
  getMyCommands(bot: B, other?: { language_code: string }): Promise<unknown>
}

const ADMIN = 111
const STRANGER = 222
const FORUM = -1001234567890
const TOPIC = 42

const order = (id: number): KeycrmEvent =>
  parseWebhook({
    event: 'order.change_order_status',
    context: { id, status_id: 5, status_changed_at: '2026-01-29T18:53:35.000000Z' },
  })

/** A command typed by `from` in the forum topic, as Telegram would deliver it. */
function topicCommand(fake: FakeBotApi, text: string, from = ADMIN): unknown {
  const update = fake.pushMessage({ chat: FORUM, text, from: { id: from } }) as FakeUpdate & {
    message: Record<string, unknown>
  }
  update.message.message_thread_id = TOPIC
  update.message.is_topic_message = true
  return update
}

/**
 * The commands plugin suite every framework adapter runs against the fake Bot API: replies in forum
 * topics, admin-only subscriptions that route later notifications, `/status`, `/test`, `setMyCommands`,
 * and a refused reply going to `onError`.
 */
export function testCommandsAdapter<B>(name: string, adapter: CommandsAdapter<B>): void {
  let fake: FakeBotApi
  let store: KeygramStore

  beforeEach(async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.addTopic(FORUM, TOPIC)
    store = memoryStore()
  })

  afterEach(async () => {
    await fake.close()
    await store.close()
  })

  const transport = () => createFetchTransport({ token: fake.token, apiRoot: fake.url })
  const command = (text: string, from = ADMIN) => topicCommand(fake, text, from)

  function botWith(options: Partial<CommandHandlersOptions> = {}) {
    const bot = adapter.createBot(fake, { store, admins: [ADMIN], locale: 'en', ...options })
    return { handleUpdate: (update: unknown) => adapter.handleUpdate(bot, update), bot }
  }

  describe(`${name} keygramCommands`, () => {
    it('answers /chatid in a forum topic in that topic, with the chat and topic id', async () => {
      const bot = botWith()
      await bot.handleUpdate(command('/chatid'))
      expect(fake.sent).toHaveLength(1)
      const reply = fake.sent[0]!
      expect(reply).toMatchObject({ chat_id: FORUM, message_thread_id: TOPIC, parse_mode: 'HTML' })
      expect(reply.plain_text).toContain(`Chat: Supergroup ${FORUM}`)
      expect(reply.plain_text).toContain(`Chat id: ${FORUM}\nTopic id: ${TOPIC}`)
      expect(reply.plain_text).toContain(`{ "chatId": "${FORUM}", "threadId": ${TOPIC} }`)
      expect(fake.countCalls('getMe')).toBe(0)
    })

    it('does not take a reply thread outside forum topics for a topic', async () => {
      const bot = botWith()
      const update = fake.pushMessage({ chat: -4001, text: '/chatid', from: { id: ADMIN } }) as FakeUpdate & {
        message: Record<string, unknown>
      }
      // In a group that is not a forum, a reply chain carries message_thread_id without is_topic_message.
      update.message.message_thread_id = 7
      await bot.handleUpdate(update)
      expect(fake.sent[0]?.chat_id).toBe(-4001)
      expect(fake.sent[0]?.message_thread_id).toBeUndefined()
      expect(fake.sent[0]?.plain_text).not.toContain('Topic id')
      expect(fake.sent[0]?.plain_text).toContain('{ "chatId": "-4001" }')
    })

    it('ignores a command addressed to another bot', async () => {
      const bot = botWith()
      await bot.handleUpdate(command('/chatid@some_other_bot'))
      await bot.handleUpdate(command(`/chatid@${fake.botInfo.username}`))
      expect(fake.sent).toHaveLength(1)
    })

    it('/subscribe by an admin persists, and a notifier then routes events to that topic', async () => {
      const bot = botWith()
      await bot.handleUpdate(command('/subscribe order_status'))
      expect(fake.sent[0]?.plain_text).toContain(
        'This chat now receives:\n• order status changes (order_status)',
      )
      expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toMatchObject({
        version: 1,
        chats: [
          { chatId: String(FORUM), threadId: TOPIC, kinds: ['order_status'], updatedBy: String(ADMIN) },
        ],
      })

      const notifier = createNotifier({ store, routes: combineRoutes([], subscriptionRoutes(store)) })
      expect(await notifier.accept(order(501))).toMatchObject({ status: 'queued', jobs: 1 })
      await createDeliveryWorker({ store, transport: transport() }).runOnce()
      expect(fake.sent[1]).toMatchObject({ chat_id: FORUM, message_thread_id: TOPIC })
      expect(fake.sent[1]?.plain_text).toContain('Замовлення #501')
    })

    it('/subscribe by a non-admin is refused with their user id, and nothing is persisted', async () => {
      const bot = botWith()
      await bot.handleUpdate(command('/subscribe order_status', STRANGER))
      expect(fake.sent[0]?.message_thread_id).toBe(TOPIC)
      expect(fake.sent[0]?.plain_text).toContain(`Your user id is ${STRANGER}`)
      expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toBeNull()
    })

    it('/status shows the queue depth and who holds the polling lease', async () => {
      const notifier = createNotifier({ store, routes: [{ chatId: '-100777' }] })
      await notifier.accept(order(1))
      await notifier.accept(order(2))
      await store.guard.acquire({ name: `polling:${fake.botInfo.id}`, ttl: 30_000, holder: 'worker-a' })
      const bot = botWith({ status: () => ({ lastDeliveryAt: null, polling: { state: 'polling' } }) })
      await bot.handleUpdate(command('/status'))
      const text = fake.sent[0]?.plain_text
      expect(text).toMatch(/Queue: 2 waiting, oldest \d+ sec/)
      expect(text).toContain('Dead letters: 0')
      expect(text).toMatch(
        new RegExp(`Polling \\(polling:${fake.botInfo.id}\\): held by worker-a \\(token 1\\)`),
      )
      expect(text).toContain('Poller: polling')
    })

    it('/test replies with a sample notification in the topic', async () => {
      const bot = botWith({ format: { keycrmDomain: 'myshop' } })
      await bot.handleUpdate(command('/test'))
      expect(fake.sent).toHaveLength(1)
      expect(fake.sent[0]).toMatchObject({ chat_id: FORUM, message_thread_id: TOPIC, parse_mode: 'HTML' })
      expect(fake.sent[0]?.plain_text).toContain('Order #23196 · №18766')
      expect(fake.sent[0]?.plain_text).toContain('Test notification sent with /test.')
      expect(fake.sent[0]?.reply_markup).toEqual({
        inline_keyboard: [
          [{ text: 'Open in KeyCRM', url: 'https://myshop.keycrm.app/app/orders/view/23196' }],
        ],
      })
    })

    it('/test with a notifier goes through the queue and the worker to the subscribed topic', async () => {
      const notifier = createNotifier({
        store,
        routes: combineRoutes([], subscriptionRoutes(store)),
        format: { locale: 'en' },
      })
      const bot = botWith({ notifier })
      await bot.handleUpdate(command('/subscribe'))
      await bot.handleUpdate(command('/test'))
      expect(fake.sent[1]?.plain_text).toContain('Sample queued: 1 message to the routed chats.')
      expect(await createDeliveryWorker({ store, transport: transport() }).runOnce()).toBe(1)
      expect(fake.sent).toHaveLength(3)
      expect(fake.sent[2]).toMatchObject({ chat_id: FORUM, message_thread_id: TOPIC })
      expect(fake.sent[2]?.plain_text).toContain('Order #23196 · №18766')
    })

    it('registers the command menu with setMyCommands', async () => {
      const bot = botWith()
      await adapter.registerCommands(bot.bot, 'en')
      await adapter.registerCommands(bot.bot, 'uk', { language_code: 'uk' })
      expect(fake.countCalls('setMyCommands', 200)).toBe(2)
      expect(await adapter.getMyCommands(bot.bot)).toEqual(commandList('en'))
      expect(await adapter.getMyCommands(bot.bot, { language_code: 'uk' })).toEqual(commandList('uk'))
    })

    it('reports a reply Telegram refuses to onError instead of throwing into the bot', async () => {
      const onError = vi.fn()
      const bot = botWith({ onError })
      fake.blockChat(FORUM, 'kicked')
      await expect(bot.handleUpdate(command('/chatid'))).resolves.toBeUndefined()
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError.mock.calls[0]?.[1]).toBe('chatid')
      expect(String(onError.mock.calls[0]?.[0])).toContain('bot was kicked')
    })
  })
}
