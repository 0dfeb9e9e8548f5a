/**
 * The suite every adapter's two-way actions run: a real bot of the framework polling the fake Bot API, a card
 * with buttons sent through the adapter's transport, a press answered through the adapter's middleware and
 * Bot API calls, a status changed once in the fake KeyCRM API.
 *
 * @module
 */
import {
  type ActionBotApi,
  type ActionHandler,
  type AdapterPollingOptions,
  createDeliveryWorker,
  createJobRenderer,
  createKeycrmClient,
  createKeycrmDictionaries,
  createKeygramActions,
  createNotifier,
  type GuardedPoller,
  memoryStore,
  parseWebhook,
  type TelegramTransport,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { createFakeBotApi } from '../fake-bot-api/index.ts'
import { createFakeKeycrmApi } from '../fake-keycrm/index.ts'

/** The adapter's action binding under test. `B` is the framework's bot type. */
export interface ActionsAdapterHarness<B> {
  /** A bot on `apiRoot` whose middleware is the adapter's actions, then a handler of the bot's own buttons. */
  createBot(apiRoot: string, token: string, handler: ActionHandler, ownButton: (data: string) => void): B
  startPolling(bot: B, options: AdapterPollingOptions): GuardedPoller
  createTransport(bot: B): TelegramTransport
  createActionBotApi(bot: B): ActionBotApi
}

const GROUP = -1001234567890
const ADMIN = 4242

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Registers the actions suite (vitest `describe`/`it`) for one framework. */
export function testActionsAdapter<B>(name: string, harness: ActionsAdapterHarness<B>): void {
  describe(`${name} adapter: two-way actions`, () => {
    it("a press through the framework: one PUT, the card edited, the bot's own buttons untouched", async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      const keycrm = await createFakeKeycrmApi()
      const store = memoryStore()
      let poller: GuardedPoller | undefined
      const own: string[] = []
      try {
        const client = createKeycrmClient({ apiKey: keycrm.apiKey, baseUrl: keycrm.url })
        const statuses = await createKeycrmDictionaries(client).statusDictionary()
        const format = { locale: 'en' as const, statuses }
        const renderer = createJobRenderer({ format })
        const lazy = {
          handle: (query: Parameters<ActionHandler['handle']>[0]) => actions.handler.handle(query),
          stop() {},
        }
        const bot = harness.createBot(fake.url, fake.token, lazy, (data) => own.push(data))
        const transport = harness.createTransport(bot)
        const actions = await createKeygramActions({
          secret: 'adapter-actions-secret-0123456789',
          rules: [{ from: { statusIds: [11] }, to: ['completed'] }],
          statuses,
          store,
          keycrm: client,
          api: harness.createActionBotApi(bot),
          transport: transport as Required<TelegramTransport>,
          renderer,
          admins: [ADMIN],
          locale: 'en',
        })
        const notifier = createNotifier({ store, routes: [{ chatId: GROUP }], format, renderAt: 'send' })
        const worker = createDeliveryWorker({
          store,
          transport,
          render: renderer,
          cards: { decorate: actions.decorate },
        })
        const order = keycrm.data.orders[0]!
        const context = Object.fromEntries(
          Object.entries(order).filter(([, value]) => typeof value !== 'object' || value === null),
        )
        await notifier.accept(parseWebhook({ event: 'order.change_order_status', context }))
        expect(await worker.runOnce()).toBe(1)
        const card = fake.sent.at(-1)!
        type Button = { text: string; callback_data?: string }
        const markup = fake.message(GROUP, card.message_id)?.reply_markup as
          | { inline_keyboard: Button[][] }
          | undefined
        const keyboard = markup?.inline_keyboard ?? []
        const token = keyboard.flat().find((button) => button.text === 'Completed')?.callback_data
        expect(token).toBeDefined()

        poller = harness.startPolling(bot, { guard: store.guard, holder: `${name}-actions` })
        // Presses pushed before the cold start's deleteWebhook would be dropped with the pending updates.
        await waitFor(() => fake.hasPendingPoll, 'the first long poll')
        fake.pushCallbackQuery({
          message: { chat: GROUP, message_id: card.message_id },
          data: 'own:button',
          from: { id: ADMIN },
        })
        fake.pushCallbackQuery({
          message: { chat: GROUP, message_id: card.message_id },
          data: token!,
          from: { id: ADMIN },
        })
        await waitFor(
          () => fake.callbackAnswers.length === 2 && own.length === 1,
          'the press answered and the own button handled',
        ).catch((error: Error) => {
          const calls = fake.calls.map((call) => `${call.method}:${call.status}`).join(' ')
          throw new Error(
            `${error.message} (poller ${poller?.status().state}; own ${own.length}; calls: ${calls})`,
          )
        })
        expect(own).toEqual(['own:button'])
        expect(keycrm.writes.filter((write) => write.method === 'PUT')).toEqual([
          expect.objectContaining({ body: { status_id: 12 }, status: 202 }),
        ])
        expect(fake.callbackAnswers.map((answer) => answer.text)).toContain('Done: «Completed»')
        expect(fake.message(GROUP, card.message_id)?.text).toMatch(/Completed/)
        await worker.stop()
      } finally {
        await poller?.stop()
        await Promise.all([fake.close(), keycrm.close()])
        await store.close()
      }
    })
  })
}
