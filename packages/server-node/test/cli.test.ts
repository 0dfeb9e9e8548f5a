import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNotifier, memoryStore, pollingLeaseName } from '@keygram/core'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { toNodeHandler } from 'h3/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { listDeadLetterText, replayDeadLetterIds } from '../src/cli/dead-letter.ts'
import { runDoctor } from '../src/cli/doctor.ts'
import { renderReport } from '../src/cli/report.ts'
import { sendTest } from '../src/cli/send-test.ts'
import { resolveConfig } from '../src/config/index.ts'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { createWebhookApp } from '../src/webhook-app.ts'

const SECRET = 'cli-test-secret-0123456789abcdef'

describe('doctor', () => {
  let fake: FakeBotApi
  beforeAll(async () => {
    fake = await createFakeBotApi({ repeatedOffsetPollMs: 50 })
  })
  afterAll(() => fake.close())
  beforeEach(async () => {
    fake.clear()
    await fetch(`${fake.url}/bot${fake.token}/deleteWebhook`, { method: 'POST' })
  })

  const configFor = (token: string) =>
    resolveConfig(undefined, {
      TELEGRAM_BOT_TOKEN: token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: 'memory:',
    })

  it('reports a healthy setup: token, no webhook, no other poller, store', async () => {
    const lines = await runDoctor({ config: configFor(fake.token), store: memoryStore() })
    const report = renderReport(lines)
    expect(lines.filter((line) => line.level === 'fail')).toEqual([])
    expect(report).toContain(`✔ bot token: @${fake.botInfo.username}`)
    expect(report).toMatch(/✔ telegram webhook: none set/)
    expect(report).toMatch(/✔ other pollers: no Keygram instance polls/)
    expect(report).toMatch(/✔ store: memory/)
    expect(report).toMatch(/choose|POST/)
    expect(report).not.toContain(fake.token)
  })

  it('trusts the lease when a Keygram instance polls, without probing Telegram', async () => {
    const store = memoryStore()
    await store.guard.acquire({ name: pollingLeaseName(fake.token), ttl: 30_000, holder: 'bot-host:42' })
    const lines = await runDoctor({ config: configFor(fake.token), store })
    expect(renderReport(lines)).toMatch(
      /✔ other pollers: a Keygram instance polls: bot-host:42 holds the lease/,
    )
    expect(fake.countCalls('getUpdates')).toBe(0)
  })

  it('fails on a set webhook (409 to the probe) and warns about it', async () => {
    await fetch(`${fake.url}/bot${fake.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/hook' }),
    })
    const lines = await runDoctor({ config: configFor(fake.token), store: memoryStore() })
    const report = renderReport(lines)
    expect(report).toMatch(/⚠ telegram webhook: a Telegram webhook is set/)
    expect(report).toMatch(/✖ other pollers: Telegram answered 409/)
  })

  it('fails on a wrong token without printing it', async () => {
    const wrong = '987654321:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const lines = await runDoctor({ config: configFor(wrong), store: memoryStore() })
    const report = renderReport(lines)
    expect(report).toMatch(/✖ bot token: getMe failed: 401/)
    expect(report).not.toContain(wrong)
  })

  it('fails when the store does not answer', async () => {
    const store = { ...memoryStore(), ping: () => Promise.reject(new Error('ECONNREFUSED')) }
    const lines = await runDoctor({ config: configFor(fake.token), store })
    expect(renderReport(lines)).toMatch(/✖ store: memory.* is unreachable: ECONNREFUSED/)
  })
})

describe('send-test', () => {
  it('posts the bundled samples to the server and reports each answer', async () => {
    const store = memoryStore()
    const app = createWebhookApp({
      secret: SECRET,
      notifier: createNotifier({ store, routes: [{ chatId: '1000001' }] }),
      store,
      worker: null,
      metrics: createKeygramMetrics(),
    })
    const server = createServer(toNodeHandler(app))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const lines = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false } })
      expect(lines.map((line) => line.level)).toEqual(['info', 'ok', 'ok', 'ok'])
      expect(lines[0]!.detail).toBe(`${url}/webhooks/keycrm/[redacted]`)
      expect((await store.queue.stats(Date.now())).pending).toBe(3)
      // A second run makes new deliveries (fresh change times), not suppressed redeliveries.
      await new Promise((resolve) => setTimeout(resolve, 5))
      const again = await sendTest({ config: { url, webhookSecret: SECRET, demoSecret: false } })
      expect(again.slice(1).every((line) => line.detail.includes('queued'))).toBe(true)

      const wrong = await sendTest({
        config: { url, webhookSecret: 'wrong-secret-wrong-secret', demoSecret: false },
      })
      expect(wrong[1]).toMatchObject({ level: 'fail', detail: expect.stringMatching(/^404 wrong_secret/) })
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
