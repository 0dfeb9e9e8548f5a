import { describe, expect, it, vi } from 'vitest'
import {
  type CommandContext,
  type CommandHandlersOptions,
  commandList,
  createCommandHandlers,
  keygramCommandNames,
  SUBSCRIPTIONS_KEY,
  subscriptionOf,
} from '../../src/commands/index.ts'
import { commandArgs } from '../../src/commands/text.ts'
import { createNotifier } from '../../src/delivery/notifier.ts'
import type { KeygramStore } from '../../src/delivery/types.ts'
import { validateTelegramHtml } from '../../src/format/validate.ts'
import { visibleText } from '../../src/format/visible.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { deliveryKey, parseWebhook } from '../../src/webhook/index.ts'
import { onlyReply, seen } from './helpers.ts'

const ADMIN = 111
const STRANGER = 222
const FORUM = -1001234567890
const TOPIC = 42

const inTopic = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  chatId: FORUM,
  threadId: TOPIC,
  userId: ADMIN,
  chatTitle: 'Orders',
  args: '',
  ...overrides,
})

function setup(overrides: Partial<CommandHandlersOptions> & { store?: KeygramStore } = {}) {
  const store = overrides.store ?? memoryStore()
  const commands = createCommandHandlers({ admins: [ADMIN], locale: 'en', ...overrides, store })
  return { store, commands }
}

async function queuedJobs(store: KeygramStore) {
  const claims = await store.queue.claim({
    workerId: 't',
    now: Date.now() + 60_000,
    leaseMs: 1000,
    maxChats: 100,
    maxJobsPerChat: 100,
  })
  return claims.flatMap((claim) => claim.jobs)
}

describe('/chatid and /start', () => {
  it('show the chat id, the topic id and a route snippet to paste', async () => {
    const { commands } = setup()
    const text = seen(await commands.chatid(inTopic()))
    expect(text).toContain(`Chat id: ${FORUM}`)
    expect(text).toContain(`Topic id: ${TOPIC}`)
    expect(text).toContain(`{ "chatId": "${FORUM}", "threadId": ${TOPIC} }`)
    const snippet = /\{ "chatId".*\}/.exec(text)?.[0]
    expect(JSON.parse(snippet!)).toEqual({ chatId: String(FORUM), threadId: TOPIC })
  })

  it('leave the topic out outside topics', async () => {
    const { commands } = setup()
    const text = seen(await commands.chatid(inTopic({ threadId: undefined })))
    expect(text).not.toContain('Topic id')
    expect(text).toContain(`{ "chatId": "${FORUM}" }`)
  })

  it('escape a hostile chat title and keep it on one line', async () => {
    const { commands } = setup()
    const chatTitle = '</b><a href="https://evil.example">x</a> & <script>\nChat id: 999\u202e'
    const replies = await commands.chatid(inTopic({ chatTitle }))
    const markup = onlyReply(replies)
    expect(markup).not.toContain('<a')
    expect(markup).not.toContain('<script')
    expect(markup).toContain('&lt;/b&gt;&lt;a href=&quot;https://evil.example&quot;&gt;')
    const lines = visibleText(markup).split('\n')
    // The injected "Chat id: 999" must not become a line of its own, and no bidi override survives.
    expect(lines.filter((line) => line.startsWith('Chat id:'))).toEqual([`Chat id: ${FORUM}`])
    expect(lines[0]).toBe('Chat: </b><a href="https://evil.example">x</a> & <script> Chat id: 999')
    expect(markup).not.toContain('\u202e')
  })

  it('/start greets, then shows the same details', async () => {
    const { commands } = setup()
    const text = seen(await commands.start(inTopic()))
    expect(text.split('\n')[0]).toMatch(/^Keygram sends KeyCRM events/)
    expect(text).toContain(`Chat id: ${FORUM}`)
  })
})

describe('/subscribe and /unsubscribe', () => {
  it('persist an admin’s kinds for this chat and topic in the key-value store', async () => {
    const { store, commands } = setup({ clock: () => 1_700_000_000_000 })
    const text = seen(await commands.subscribe(inTopic({ args: 'order_status' })))
    expect(text).toContain('This chat now receives:\n• order status changes (order_status)')
    expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toEqual({
      version: 1,
      chats: [
        {
          chatId: String(FORUM),
          threadId: TOPIC,
          kinds: ['order_status'],
          updatedBy: String(ADMIN),
          updatedAt: 1_700_000_000_000,
        },
      ],
    })
    await commands.subscribe(inTopic({ args: 'lead.change_lead_status, PAYMENT_STATUS' }))
    expect(await subscriptionOf(store.kv, { chatId: String(FORUM), threadId: TOPIC })).toEqual([
      'order_status',
      'payment_status',
      'lead_status',
    ])
    // Another topic of the same chat is a separate subscription.
    expect(await subscriptionOf(store.kv, { chatId: String(FORUM) })).toEqual([])
  })

  it('subscribe to everything without arguments or with `all`, and unsubscribe piece by piece', async () => {
    const { store, commands } = setup()
    const target = { chatId: String(FORUM), threadId: TOPIC }
    await commands.subscribe(inTopic())
    expect(await subscriptionOf(store.kv, target)).toEqual([
      'order_status',
      'payment_status',
      'lead_status',
      'unknown',
    ])
    const text = seen(await commands.unsubscribe(inTopic({ args: 'unknown lead_status' })))
    expect(text).not.toContain('lead status')
    expect(await subscriptionOf(store.kv, target)).toEqual(['order_status', 'payment_status'])
    expect(seen(await commands.unsubscribe(inTopic()))).toContain('This chat has no subscription now.')
    expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toEqual({ version: 1, chats: [] })
    await commands.subscribe(inTopic({ args: 'all' }))
    expect(await subscriptionOf(store.kv, target)).toHaveLength(4)
  })

  it('refuse a non-admin politely, naming their user id, and persist nothing', async () => {
    const { store, commands } = setup()
    for (const command of ['subscribe', 'unsubscribe'] as const) {
      const text = seen(await commands[command](inTopic({ userId: STRANGER, args: 'order_status' })))
      expect(text).toContain(`Your user id is ${STRANGER}`)
      expect(text).toMatch(/^Sorry, only Keygram admins/)
    }
    expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toBeNull()
  })

  it('refuse anonymous admins and channel posts even when their id is listed', async () => {
    const { store, commands } = setup({ admins: [ADMIN, 1087968824] })
    const anonymous = seen(await commands.subscribe(inTopic({ userId: 1087968824 })))
    expect(anonymous).toContain('sent on behalf of the chat')
    expect(seen(await commands.subscribe(inTopic({ userId: undefined })))).toBe(anonymous)
    expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toBeNull()
  })

  it('explain invalid kinds, escaping what was typed, and persist nothing', async () => {
    const { store, commands } = setup()
    const replies = await commands.subscribe(inTopic({ args: 'order_status <b>orders</b> payments' }))
    const markup = onlyReply(replies)
    expect(markup).toContain('<code>&lt;b&gt;orders&lt;/b&gt;</code>')
    expect(visibleText(markup)).toBe(
      'Unknown event kinds: <b>orders</b>, payments\n' +
        'Use one or more of: order_status, payment_status, lead_status, unknown, all',
    )
    expect(await store.kv.get(SUBSCRIPTIONS_KEY)).toBeNull()
  })

  it('take admin ids as numbers or strings and reject usernames up front', () => {
    const store = memoryStore()
    expect(() => createCommandHandlers({ store, admins: ['@boss'] })).toThrow(/not a numeric user id/)
    expect(() => createCommandHandlers({ store, admins: ['111', 222] })).not.toThrow()
  })
})

describe('/status', () => {
  it('shows queue depth, dead letters, last delivery and the polling lease holder', async () => {
    const now = Date.UTC(2026, 0, 29, 18, 0, 0)
    const { store, commands } = setup({
      store: memoryStore({ clock: () => now }),
      clock: () => now,
      format: { timeZone: 'UTC' },
      status: () => ({ lastDeliveryAt: now - 180_000, polling: { state: 'polling' } }),
    })
    const message = { text: 'x', parse_mode: 'HTML' as const, link_preview_options: {} }
    await store.queue.enqueue({
      deliveryKey: 'k1',
      dedupeTtlMs: 60_000,
      now: now - 120_000,
      jobs: [1, 2, 3].map(() => ({ chatId: '5', message, summaryLine: 'x' })),
    })
    await store.guard.acquire({ name: 'polling:777', ttl: 30_000, holder: 'host-a:<pid 12>' })
    const markup = onlyReply(await commands.status(inTopic({ botId: 777 })))
    expect(markup).toContain('&lt;pid 12&gt;')
    const text = visibleText(markup)
    expect(text).toContain('Queue: 3 waiting, oldest 2 mins')
    expect(text).toContain('Dead letters: 0')
    expect(text).toContain('Last delivery: 29/01/2026, 17:57 (3 mins ago)')
    expect(text).toContain('Polling (polling:777): held by host-a:<pid 12> (token 1), expires in 30 sec')
    expect(text).toContain('Poller: polling')
    expect(text).toContain('Store: memory')
  })

  it('says when nobody holds the lease and when nothing was delivered, and takes the lease name as an option', async () => {
    const { commands } = setup({ pollingLease: 'polling:custom', status: () => ({ lastDeliveryAt: null }) })
    const text = seen(await commands.status(inTopic()))
    expect(text).toContain('Queue: 0 waiting')
    expect(text).toContain('Last delivery: none yet')
    expect(text).toContain('Polling (polling:custom): nobody holds the lease')
  })

  it('leaves the lease out when it cannot be named and the last delivery unknown without a status source', async () => {
    const { commands } = setup()
    const text = seen(await commands.status(inTopic()))
    expect(text).not.toContain('Polling')
    expect(text).toContain('Last delivery: unknown')
  })

  it('can be limited to admins', async () => {
    const { commands } = setup({ adminOnly: { status: true } })
    expect(seen(await commands.status(inTopic({ userId: STRANGER })))).toContain(
      `Your user id is ${STRANGER}`,
    )
  })
})

describe('/test', () => {
  it('returns a realistic sample formatted for this chat, marked as a test', async () => {
    const { commands } = setup({ format: { keycrmDomain: 'myshop' } })
    const replies = await commands.test(inTopic())
    expect(replies.length).toBeGreaterThan(0)
    const text = visibleText(replies.map((reply) => reply.text).join('\n'))
    expect(text).toContain('Order #23196 · №18766')
    expect(text).toContain('Test notification sent with /test.')
    expect(replies.at(-1)?.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({
      url: 'https://myshop.keycrm.app/app/orders/view/23196',
    })
    for (const reply of replies) expect(validateTelegramHtml(reply.text).ok).toBe(true)
  })

  it('goes through the notifier when given: queued for this subscribed chat, and again later', async () => {
    let now = 1_769_712_815_000
    const store = memoryStore()
    const { subscriptionRoutes, combineRoutes } = await import('../../src/commands/index.ts')
    const notifier = createNotifier({ store, routes: combineRoutes([], subscriptionRoutes(store)) })
    const commands = createCommandHandlers({
      store,
      admins: [ADMIN],
      locale: 'en',
      notifier,
      clock: () => now,
    })
    expect(seen(await commands.test(inTopic()))).toContain('No chat takes order status changes')
    expect(await queuedJobs(store)).toEqual([])

    await commands.subscribe(inTopic({ args: 'order_status' }))
    const text = seen(await commands.test(inTopic()))
    expect(text).toBe(
      'Sample queued: 1 message to the routed chats.\n' +
        'This chat is subscribed to order status changes, so it arrives here shortly.',
    )
    now += 1000
    expect(seen(await commands.test(inTopic()))).toContain('Sample queued: 1 message')
    const jobs = await queuedJobs(store)
    expect(jobs.map((job) => [job.chatId, job.threadId])).toEqual([
      [String(FORUM), TOPIC],
      [String(FORUM), TOPIC],
    ])
    expect(jobs[0]?.deliveryKey).not.toBe(jobs[1]?.deliveryKey)
  })

  it('reports a suppressed duplicate and a chat that is routed only by the config', async () => {
    const store = memoryStore()
    const event = parseWebhook({ event: 'order.change_order_status', context: { id: 1, status_id: 2 } })
    const notifier = createNotifier({ store, routes: [{ chatId: '-100500' }] })
    const commands = createCommandHandlers({
      store,
      admins: [ADMIN],
      locale: 'en',
      notifier,
      sample: () => event,
    })
    expect(seen(await commands.test(inTopic()))).toContain('only if the config routes order status changes')
    expect(seen(await commands.test(inTopic()))).toBe(
      'This sample was accepted before (same delivery key), so it was not sent again.',
    )
    expect((await queuedJobs(store)).map((job) => job.deliveryKey)).toEqual([deliveryKey(event)])
  })

  it('is for admins by default; others get a refusal and nothing is queued', async () => {
    const store = memoryStore()
    const notifier = createNotifier({ store, routes: [{ chatId: '-100500' }] })
    const commands = createCommandHandlers({ store, admins: [ADMIN], locale: 'en', notifier })
    expect(seen(await commands.test(inTopic({ userId: STRANGER })))).toContain(`Your user id is ${STRANGER}`)
    expect(await queuedJobs(store)).toEqual([])
    const open = createCommandHandlers({
      store,
      admins: [],
      locale: 'en',
      notifier,
      adminOnly: { test: false },
    })
    expect(seen(await open.test(inTopic({ userId: STRANGER })))).toContain('Sample queued')
  })
})

describe('run', () => {
  it('turns a failure into a polite reply that does not leak the error', async () => {
    const store = memoryStore()
    const secret = 'redis://:hunter2@db:6379'
    store.queue.stats = async () => {
      throw new Error(`connection to ${secret} refused`)
    }
    const onError = vi.fn()
    const commands = createCommandHandlers({ store, admins: [ADMIN], locale: 'en', onError })
    const text = seen(await commands.run('status', inTopic()))
    expect(text).toBe('Sorry, something went wrong; the details are in the log. Try again in a minute.')
    expect(text).not.toContain('hunter2')
    expect(onError).toHaveBeenCalledWith(expect.any(Error), 'status')
  })

  it('dispatches every command by name and renders valid HTML in every locale', async () => {
    for (const locale of ['uk', 'en', 'ru'] as const) {
      const store = memoryStore()
      const commands = createCommandHandlers({ store, admins: [ADMIN], locale, pollingLease: 'polling:1' })
      expect(commands.commands).toEqual(keygramCommandNames)
      for (const command of keygramCommandNames) {
        for (const context of [inTopic({ args: 'order_status' }), inTopic({ userId: STRANGER, args: 'x' })]) {
          const replies = await commands.run(command, context)
          expect(replies.length).toBeGreaterThan(0)
          for (const reply of replies)
            expect(validateTelegramHtml(reply.text), `${locale} /${command}`).toEqual({ ok: true })
        }
      }
    }
  })
})

describe('commandList', () => {
  it('lists the commands with localized descriptions Telegram accepts', () => {
    const lists = (['uk', 'en', 'ru'] as const).map((locale) => commandList(locale))
    for (const list of lists) {
      expect(list.map((entry) => entry.command)).toEqual([...keygramCommandNames])
      for (const { command, description } of list) {
        expect(command).toMatch(/^[a-z0-9_]{1,32}$/)
        expect(description.length).toBeGreaterThan(0)
        expect(description.length).toBeLessThanOrEqual(256)
      }
    }
    expect(commandList()).toEqual(lists[0])
    expect(lists[0]?.[0]?.description).not.toBe(lists[1]?.[0]?.description)
    expect(() => commandList('de' as never)).toThrow(TypeError)
  })
})

describe('commandArgs', () => {
  it('takes the text after the command and an optional bot mention', () => {
    expect(commandArgs('/subscribe@KeygramBot order_status,  lead_status ')).toBe(
      'order_status,  lead_status',
    )
    expect(commandArgs('/subscribe')).toBe('')
    expect(commandArgs('/test\nmore')).toBe('more')
    expect(commandArgs('hello /subscribe x')).toBe('')
  })
})
