import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startPolling } from '@keygram/adapter-grammy'
import {
  createNotifier,
  type KeygramStore,
  memoryStore,
  pollingLeaseName,
  updateSubscription,
} from '@keygram/core'
import { createFakeBotApi, createFakeKeycrmApi, type FakeBotApi, type FakeKeycrmApi } from '@keygram/testing'
import { Bot } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import { toNodeHandler } from 'h3/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { listDeadLetterText, replayDeadLetterIds } from '../src/cli/dead-letter.ts'
import { runDoctor } from '../src/cli/doctor/index.ts'
import { renderReport } from '../src/cli/report.ts'
import { sendTest } from '../src/cli/send-test.ts'
import { type KeygramConfig, resolveConfig } from '../src/config/index.ts'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { createWebhookApp, type WebhookAppOptions } from '../src/webhook-app.ts'

const SECRET = 'cli-test-secret-0123456789abcdef'

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('doctor', () => {
  let fake: FakeBotApi
  let keycrm: FakeKeycrmApi
  beforeAll(async () => {
    fake = await createFakeBotApi({ repeatedOffsetPollMs: 50, conflictPacingMs: 200 })
    keycrm = await createFakeKeycrmApi()
  })
  afterAll(async () => {
    await fake.close()
    await keycrm.close()
  })
  beforeEach(async () => {
    fake.clear()
    fake.clearFaults()
    await fetch(`${fake.url}/bot${fake.token}/deleteWebhook`, { method: 'POST' })
  })

  const configFor = (token: string, env: Record<string, string> = {}) =>
    resolveConfig(undefined, {
      TELEGRAM_BOT_TOKEN: token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: '-1001234567890',
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: 'memory:',
      ...env,
    })
  const doctor = (config: KeygramConfig, store: KeygramStore | null = memoryStore()) =>
    runDoctor({ config, store, watchSeconds: 1 })

  it('reports a healthy setup: token, chat, no other poller, store, and what a KeyCRM trigger needs', async () => {
    const lines = await doctor(configFor(fake.token))
    const report = renderReport(lines)
    expect(lines.filter((line) => line.level === 'fail')).toEqual([])
    expect(report).toContain(`✔ bot token: @${fake.botInfo.username}`)
    expect(report).toMatch(/✔ telegram webhook: none set/)
    expect(report).toMatch(/✔ chats: -1001234567890\n/)
    expect(report).toMatch(/✔ polling: none polled during a 1 s watch\. Had another process been waiting/)
    expect(report).toMatch(/✔ store: memory/)
    expect(report).not.toContain(fake.token)
    expect(fake.countCalls('getUpdates')).toBe(1)
  })

  it('shows KeyCRM the public https form of the webhook URL with the secret masked, never 127.0.0.1', async () => {
    const report = renderReport(await doctor(configFor(fake.token)))
    expect(report).toMatch(
      /• KeyCRM: set the trigger's "Send webhook" action to method POST and URL https:\/\/<your host>\/webhooks\/keycrm\/<KEYGRAM_WEBHOOK_SECRET> \(the secret is in the environment;/,
    )
    expect(report).toMatch(/Set KEYGRAM_DOMAIN to the host name to see it here\.$/m)
    expect(report).not.toContain('127.0.0.1')
    expect(report).not.toContain(SECRET)
    const withDomain = renderReport(
      await doctor(configFor(fake.token, { KEYGRAM_DOMAIN: 'Hooks.Example.com' })),
    )
    expect(withDomain).toContain('URL https://hooks.example.com/webhooks/keycrm/<KEYGRAM_WEBHOOK_SECRET> (')
    expect(withDomain).not.toContain(SECRET)
  })

  it('trusts the lease when a Keygram instance polls through the same store, without asking Telegram', async () => {
    const store = memoryStore()
    await store.guard.acquire({ name: pollingLeaseName(fake.token), ttl: 30_000, holder: 'bot-host:42' })
    const lines = await doctor(configFor(fake.token), store)
    expect(renderReport(lines)).toMatch(
      /✔ polling: a Keygram instance polls: bot-host:42 holds the polling lease \(renewed within \d+ s\); Telegram was not asked/,
    )
    expect(fake.countCalls('getUpdates')).toBe(0)
  })

  it("reads the lease holder's /healthz on this host: holding the lease is not polling when Telegram is out of reach", async () => {
    const store = memoryStore()
    await store.guard.acquire({ name: pollingLeaseName(fake.token), ttl: 30_000, holder: 'bot-host:42' })
    let health = {
      status: 'ok',
      state: 'starting',
      lastError: 'the Telegram Bot API cannot be reached: ECONNREFUSED',
    }
    const bot = createServer((_, response) => response.end(JSON.stringify(health)))
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve))
    const config = configFor(fake.token, { BOT_PORT: String((bot.address() as AddressInfo).port) })
    try {
      expect(renderReport(await doctor(config, store))).toMatch(
        /⚠ polling: a Keygram instance polls: bot-host:42 holds the polling lease \(renewed within \d+ s\), but its \/healthz says starting: the Telegram Bot API cannot be reached: ECONNREFUSED/,
      )
      health = {
        status: 'unhealthy',
        state: 'conflict',
        lastError: 'Conflict: terminated by other getUpdates request',
      }
      expect(renderReport(await doctor(config, store))).toMatch(
        /✖ polling: .*, but its \/healthz says conflict: Conflict/,
      )
      health = { status: 'ok', state: 'polling', lastError: '' }
      expect(renderReport(await doctor(config, store))).toMatch(/✔ polling: .*; its \/healthz says polling$/m)
    } finally {
      bot.close()
    }
  })

  it('finds a Keygram poller on another store: its retry ends the watch; it lost one request and polls on', async () => {
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url }, botInfo: fake.botInfo as UserFromGetMe })
    const poller = startPolling(bot, { guard: memoryStore().guard, timeoutSeconds: 30, holder: 'elsewhere' })
    const running = poller.start()
    try {
      await waitUntil(() => fake.hasPendingPoll, 'the other poller to wait on getUpdates')
      const started = Date.now()
      const lines = await runDoctor({ config: configFor(fake.token), store: memoryStore(), watchSeconds: 5 })
      const report = renderReport(lines)
      expect(report).toMatch(
        /✖ polling: another process polls this bot outside Keygram: its getUpdates ended this check\. The check cost it at most one 409, which it retried/,
      )
      expect(Date.now() - started).toBeLessThan(5000)
      // The other poller got exactly one 409 (the check's), and the check got the other one.
      expect(fake.calls.filter((call) => call.status === 409)).toHaveLength(2)
      expect(poller.status().conflicts).toBe(1)
      // It polls on: its pending poll takes the next update, and the conflict is over.
      await waitUntil(() => fake.hasPendingPoll, 'the poller to wait on getUpdates again')
      fake.pushMessage({ chat: 5, text: 'still there' })
      await waitUntil(() => poller.status().state === 'polling', 'the poller to leave the conflict')
      expect(poller.status().conflicts).toBe(1)
    } finally {
      await poller.stop()
      await running
    }
  })

  it('fails on a set webhook (409 to the watch) and warns about it', async () => {
    await fetch(`${fake.url}/bot${fake.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/hook' }),
    })
    const report = renderReport(await doctor(configFor(fake.token)))
    expect(report).toMatch(/⚠ telegram webhook: a Telegram webhook is set/)
    expect(report).toMatch(/✖ polling: Telegram refuses polling \(409 Conflict: can't use getUpdates/)
  })

  it('fails on a wrong token without printing it', async () => {
    const wrong = '987654321:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const report = renderReport(await doctor(configFor(wrong)))
    expect(report).toMatch(
      /✖ bot token: Telegram refused the token \(401 Unauthorized\): copy it again from @BotFather/,
    )
    expect(report).not.toContain(wrong)
  })

  it('fails when no chat receives notifications, naming the near-miss variable', async () => {
    const lines = await doctor(
      resolveConfig(undefined, {
        TELEGRAM_BOT_TOKEN: fake.token,
        KEYGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: fake.url,
        KEYGRAM_CHATID: '4242',
      }),
    )
    const report = renderReport(lines)
    expect(report).toMatch(
      /✖ chats: no chat receives notifications, so nothing would be delivered \(KEYGRAM_CHATID is set: did you mean KEYGRAM_CHAT_ID\?\)\. Set KEYGRAM_CHAT_ID/,
    )
    expect(report).toMatch(
      /⚠ variables: KEYGRAM_CHATID \(in the environment\) is not a Keygram variable and changes nothing; did you mean KEYGRAM_CHAT_ID\?/,
    )
  })

  it('counts chats subscribed with /subscribe, and fails on a chat the bot cannot reach', async () => {
    const store = memoryStore()
    await updateSubscription(
      store.kv,
      { chatId: '-100777' },
      { add: ['order_status'], by: 1, now: Date.now() },
    )
    const noChat = resolveConfig(undefined, {
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
    })
    expect(renderReport(await doctor(noChat, store))).toMatch(
      /✔ chats: no configured chat; 1 chat\(s\) subscribed/,
    )
    fake.forgetChat(-1001234567890)
    expect(renderReport(await doctor(configFor(fake.token)))).toMatch(
      /✖ chats: the bot cannot reach chat -1001234567890 \(400 Bad Request: chat not found\): add the bot/,
    )
  })

  it('says where status names come from, and checks the KeyCRM API key', async () => {
    expect(renderReport(await doctor(configFor(fake.token)))).toMatch(
      /⚠ status names: statuses show as numbers \("#20"\): set KEYCRM_API_KEY/,
    )
    const withKey = configFor(fake.token, { KEYCRM_API_KEY: keycrm.apiKey, KEYCRM_API_URL: keycrm.url })
    expect(renderReport(await doctor(withKey))).toMatch(
      /✔ status names: from KeyCRM: the API key works, 10 order statuses/,
    )
    const wrongKey = configFor(fake.token, {
      KEYCRM_API_KEY: 'wrong-key-0123456789',
      KEYCRM_API_URL: keycrm.url,
    })
    expect(renderReport(await doctor(wrongKey))).toMatch(/✖ status names: KeyCRM refused the API key \(401\)/)
  })

  it('fails when the store cannot be used, and then leaves Telegram alone rather than risk a Keygram poller', async () => {
    const lines = await runDoctor({
      config: configFor(fake.token),
      store: null,
      storeProblem:
        'the Redis store redis://127.0.0.1:1/ did not answer within 3 s; check that Redis runs there',
      watchSeconds: 1,
    })
    const report = renderReport(lines)
    expect(report).toMatch(/✖ store: the Redis store redis:\/\/127\.0\.0\.1:1\/ did not answer within 3 s/)
    expect(report).toMatch(/⚠ polling: not checked: the store is unreachable/)
    expect(fake.countCalls('getUpdates')).toBe(0)
  })
})

describe('send-test', () => {
  /** A webhook app on a free port, routing every event to one chat (`stock` as the app takes it). */
  async function webhookServer(stock?: WebhookAppOptions['stock']) {
    const store = memoryStore()
    const app = createWebhookApp({
      secret: SECRET,
      notifier: createNotifier({ store, routes: [{ chatId: '1000001' }] }),
      store,
      worker: null,
      ...(stock === undefined ? {} : { stock }),
      metrics: createKeygramMetrics(),
    })
    const server = createServer(toNodeHandler(app))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { store, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }

  it('posts the bundled samples to the server and reports each answer', async () => {
    const { store, server, url } = await webhookServer()
    try {
      const lines = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false } })
      expect(lines.map((line) => line.level)).toEqual(['info', 'ok', 'ok', 'ok'])
      expect(lines[0]!.detail).toBe(`${url}/webhooks/keycrm/[redacted]`)
      expect((await store.queue.stats(Date.now())).pending).toBe(3)
      // A second run makes new deliveries (fresh change times), not suppressed redeliveries.
      await new Promise((resolve) => setTimeout(resolve, 5))
      const again = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false } })
      expect(
        again.slice(1).every((line) => line.detail.startsWith('accepted and queued; the server sends it')),
      ).toBe(true)

      const wrong = await sendTest({
        config: { url, webhookSecret: 'wrong-secret-wrong-secret', demoSecret: false },
      })
      expect(wrong[1]).toMatchObject({
        level: 'fail',
        detail: expect.stringMatching(
          /^refused \(404 wrong_secret\): the server expects another webhook secret; run send-test with the server's \.env/,
        ),
      })
    } finally {
      server.close()
    }
  })

  it('says in a sentence that a stock webhook found no rule, and what to set', async () => {
    const { server, url } = await webhookServer({ alerter: null, maxBodyBytes: 1_048_576 })
    try {
      const lines = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false }, stock: true })
      expect(lines[1]).toEqual({
        level: 'warn',
        name: expect.any(String),
        detail:
          'accepted, but the server has no stock alert rule, so nothing is sent: set KEYGRAM_STOCK_LOW=5 (alerts KEYGRAM_CHAT_ID) or stockRules in keygram.config.ts where the server runs, then restart it',
      })
    } finally {
      server.close()
    }
  })

  it('says how to start the server when nothing listens', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const url = `http://127.0.0.1:${port}`
    const lines = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false } })
    expect(lines[1]).toMatchObject({
      level: 'fail',
      detail: expect.stringMatching(/cannot reach .*ECONNREFUSED.*keygram serve/),
    })
    expect(lines).toHaveLength(2) // stops after the first unreachable post
  })
})

describe('dead-letter', () => {
  it('lists dead letters readably and replays them into the queue', async () => {
    const store = memoryStore()
    const now = Date.now()
    await store.queue.enqueue({
      deliveryKey: 'k1',
      dedupeTtlMs: 60_000,
      now,
      jobs: [
        {
          chatId: '-100777',
          message: {
            text: '<b>Order #1</b>',
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
          },
          summaryLine: 'Order #1 &amp; co → Shipped',
        },
      ],
    })
    const [claim] = await store.queue.claim({
      workerId: 'w',
      now,
      leaseMs: 1000,
      maxChats: 1,
      maxJobsPerChat: 1,
    })
    await store.queue.settle(claim!.chatId, claim!.claimToken, {
      dead: [{ id: claim!.jobs[0]!.id, reason: 'forbidden', error: 'forbidden: bot was kicked' }],
      now,
    })

    const text = await listDeadLetterText(store, 50)
    expect(text).toContain(claim!.jobs[0]!.id)
    expect(text).toContain('chat -100777')
    expect(text).toContain('forbidden')
    expect(text).toContain('Order #1 & co → Shipped')
    expect(text).toContain('last error: forbidden: bot was kicked')

    expect(await replayDeadLetterIds(store, ['no-such-id'])).toBe(0)
    expect(await replayDeadLetterIds(store, [])).toBe(1)
    expect(await listDeadLetterText(store, 50)).toBe('No dead letters.')
    expect((await store.queue.stats(Date.now())).pending).toBe(1)
  })
})
