import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryStore } from '@keygram/core'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/index.ts'
import { createKeygramServer } from '../src/server.ts'
import { captureLogger, linesAt } from './helpers/capture-logger.ts'

const ORDER = JSON.stringify({ event: 'order.change_order_status', context: { id: 1, status_id: 2 } })

/** The bot role on a memory store, polling the fake Bot API. */
function botRoleConfig(fake: FakeBotApi) {
  return resolveConfig(undefined, {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    KEYGRAM_WEBHOOK_SECRET: 'server-test-webhook-secret-0123456789',
    KEYGRAM_HOST: '127.0.0.1',
    BOT_PORT: '0',
    KEYGRAM_STORE: 'memory:',
  })
}

describe('createKeygramServer', () => {
  it('finishes an in-flight webhook before it stops, then refuses connections', async () => {
    const store = memoryStore()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let enqueueStarted: () => void = () => {}
    const started = new Promise<void>((resolve) => {
      enqueueStarted = resolve
    })
    const slowStore = {
      ...store,
      queue: {
        ...store.queue,
        enqueue: async (input: Parameters<typeof store.queue.enqueue>[0]) => {
          enqueueStarted()
          await gate
          return store.queue.enqueue(input)
        },
      },
    }
    const config = resolveConfig(undefined, {
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      KEYGRAM_STORE: 'memory:',
    })
    const sent: string[] = []
    const { logger, lines } = captureLogger([])
    const server = createKeygramServer(config, {
      role: 'webhook',
      store: slowStore,
      logger,
      transport: {
        sendMessage: async (_target, message) => {
          sent.push(message.text)
          return { ok: true, messageId: sent.length }
        },
      },
    })
    const { webhook } = await server.start()
    expect(webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const inFlight = fetch(`${webhook}/webhooks/keycrm/${config.webhookSecret}`, {
      method: 'POST',
      body: ORDER,
    })
    await started
    const stopping = server.stop()
    let stopped = false
    void stopping.then(() => {
      stopped = true
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(stopped).toBe(false) // waits for the request in flight
    release()
    const response = await inFlight
    expect(response.status).toBe(200)
    await stopping
    await expect(fetch(`${webhook}/healthz`)).rejects.toThrow()
    expect(lines.some((line) => line.includes('stopped in'))).toBe(true)
  })

  it('reads webhooks over real HTTP with the same answers as core readWebhook', async () => {
    const config = resolveConfig(undefined, {
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      KEYGRAM_STORE: 'memory:',
      KEYGRAM_MAX_BODY_BYTES: '2048',
    })
    const { logger } = captureLogger([])
    const server = createKeygramServer(config, { role: 'webhook', logger })
    const { webhook } = await server.start()
    const url = `${webhook}/webhooks/keycrm/${config.webhookSecret}`
    const send = async (body: BodyInit | null, headers: Record<string, string> = {}, method = 'POST') => {
      const response = await fetch(url, {
        method,
        body,
        headers: { 'content-type': 'application/json', ...headers },
      })
      return [
        response.status,
        ((await response.json()) as { error?: string; status?: string }).error ?? 'ok',
      ] as const
    }
    try {
      expect(await send(`\uFEFF${ORDER}`)).toEqual([200, 'ok']) // a BOM is dropped, as core does
      expect(await send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toEqual([400, 'invalid_encoding'])
      expect(await send('')).toEqual([400, 'empty_body'])
      expect(await send('{"event":')).toEqual([400, 'invalid_json'])
      expect(await send('x'.repeat(3000))).toEqual([413, 'payload_too_large'])
      expect(await send(ORDER, { 'content-type': 'text/html' })).toEqual([415, 'unsupported_media_type'])
      expect(await send(null, {}, 'GET')).toEqual([405, 'method_not_allowed'])
      expect(await send(ORDER, { 'content-type': 'application/vnd.keycrm+json' })).toEqual([200, 'ok'])
    } finally {
      await server.stop()
    }
  })

  it('refuses to start when the port is taken, naming the variable, and releases what it opened', async () => {
    const config = resolveConfig(undefined, {
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      KEYGRAM_STORE: 'memory:',
    })
    const { logger } = captureLogger([])
    const first = createKeygramServer(config, { role: 'webhook', logger })
    const { webhook } = await first.start()
    const port = Number(new URL(webhook!).port)
    const second = createKeygramServer({ ...config, webhookPort: port }, { role: 'webhook', logger })
    await expect(second.start()).rejects.toThrow(/port is in use \(set WEBHOOK_PORT\)/)
    await first.stop()
  })

  it("says who polls in plain words at info, the lease at debug, each line led by one 'polling: '", async () => {
    const fake = await createFakeBotApi()
    const config = botRoleConfig(fake)
    const { logger, lines } = captureLogger([fake.token, 'server-test-webhook-secret-0123456789'])
    const server = createKeygramServer(config, { role: 'bot', logger })
    try {
      await server.start()
      await expect
        .poll(() => lines.some((line) => line.includes('receives the bot')), { timeout: 10_000 })
        .toBe(true)
    } finally {
      await server.stop()
      await fake.close()
    }
    const info = linesAt(lines, 'info').map((line) => line.msg)
    expect(info).toContain("polling: started; this instance now receives the bot's messages and commands")
    expect(info.filter((msg) => /lease|fencing/i.test(msg))).toEqual([])
    expect(linesAt(lines, 'debug').map((line) => line.msg)).toContainEqual(
      expect.stringMatching(/^polling: lease acquired .*fencingToken=1/),
    )
    expect(lines.filter((line) => line.includes('polling: polling: '))).toEqual([])
  })

  it('drops the updates that queued while no instance ran, as the seed bot did on a cold start', async () => {
    const fake = await createFakeBotApi()
    const config = botRoleConfig(fake)
    fake.pushMessage({ chat: 4242, text: '/chatid' })
    const { logger } = captureLogger([fake.token])
    const server = createKeygramServer(config, { role: 'bot', logger })
    try {
      const startedAt = Date.now()
      await server.start()
      await expect
        .poll(() => fake.calls.some((call) => call.method === 'getUpdates' && call.at >= startedAt), {
          timeout: 10_000,
        })
        .toBe(true)
      expect(fake.pendingUpdateCount).toBe(0)
      expect(fake.sent).toEqual([]) // the /chatid sent before the start is never answered
    } finally {
      await server.stop()
      await fake.close()
    }
  })

  it('keeps what was sent between a graceful stop and the next start: a redeploy is no cold start', async () => {
    const fake = await createFakeBotApi()
    const dir = await mkdtemp(join(tmpdir(), 'keygram-handover-'))
    const config = {
      ...botRoleConfig(fake),
      store: { kind: 'sqlite' as const, path: join(dir, 'keygram.db') },
    }
    const polling = (since: number) =>
      expect
        .poll(() => fake.calls.some((call) => call.method === 'getUpdates' && call.at >= since), {
          timeout: 10_000,
        })
        .toBe(true)
    try {
      const old = createKeygramServer(config, { role: 'bot', logger: captureLogger([fake.token]).logger })
      await old.start()
      await polling(0)
      await old.stop()
      // Between the old bot's stop and the new one's start (docker compose up -d --force-recreate).
      fake.pushMessage({ chat: 4242, text: '/chatid' })
      const next = createKeygramServer(config, { role: 'bot', logger: captureLogger([fake.token]).logger })
      try {
        await next.start()
        await expect.poll(() => fake.sent.length, { timeout: 10_000 }).toBe(1)
        expect(fake.sent[0]?.plain_text).toContain('4242')
      } finally {
        await next.stop()
      }
    } finally {
      await fake.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
