/**
 * End to end with real processes: `keygram serve --role webhook` and `--role bot` against the fake Telegram
 * Bot API with a SQLite store, and demo mode with `send-test`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pollingLeaseName } from '@keygram/core'
import { sqliteStore } from '@keygram/store-sqlite'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { sampleWebhooks } from '../src/samples.ts'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const SECRET = 'e2e-webhook-secret-0123456789abcdef'
const CHAT_ID = '700000001'
// The real KeyCRM payloads kept with the core's tests (copied from the shared reference data).
const PAYLOADS = fileURLToPath(new URL('../../core/test/fixtures', import.meta.url))
const LISTENING = (what: string) => new RegExp(`${what} server listening on (http://127\\.0\\.0\\.1:\\d+)`)

/** POSTs `totalBytes` of body in 64 KiB chunks with chunked transfer encoding; resolves the status. */
function postChunked(url: string, totalBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    // A bare "write EPIPE" names neither the request nor how far it got.
    req.on('error', (error) =>
      reject(
        new Error(`chunked POST failed with ${sent} of ${totalBytes} bytes handed to the request`, {
          cause: error,
        }),
      ),
    )
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const write = () => {
      while (sent < totalBytes) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  })
}

describe('keygram serve, real processes against the fake Bot API', () => {
  let fake: FakeBotApi
  let dir: string
  let webhook: KeygramChild | undefined
  let bot: KeygramChild | undefined

  beforeAll(async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 200, repeatedOffsetPollMs: 200 })
    dir = await mkdtemp(join(tmpdir(), 'keygram-e2e-'))
  })
  afterAll(async () => {
    killIfRunning(webhook)
    killIfRunning(bot)
    await fake?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('delivers the sample webhooks, is healthy on both ports and stops cleanly on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
    })
    webhook = startKeygram(['serve', '--role', 'webhook'], env, dir)
    bot = startKeygram(['serve', '--role', 'bot'], env, dir)
    // A failure under load is hard to replay: keep what both processes said next to it.
    onTestFailed(() => {
      for (const [role, child] of [
        ['webhook', webhook],
        ['bot', bot],
      ] as const) {
        if (child)
          console.error(`--- keygram serve --role ${role} output ---\n${child.stdout()}${child.stderr()}`)
      }
    })
    const webhookUrl = (await webhook.waitFor(LISTENING('webhook')))[1]!
    const botUrl = (await bot.waitFor(LISTENING('bot')))[1]!

    // The bundled samples and the real KeyCRM fixtures, as KeyCRM posts them.
    const bodies = sampleWebhooks().map((sample) => JSON.stringify(sample.body))
    for (const file of [
      'order.change_order_status.production-abbreviated.json',
      'order.change_order_status.replay-minimal.json',
      'lead.change_lead_status.minimal.json',
    ]) {
      bodies.push(await readFile(join(PAYLOADS, file), 'utf8'))
    }
    for (const body of bodies) {
      const response = await fetch(`${webhookUrl}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { status: string }).status).toBe('queued')
    }

    // Every one arrives at the fake Bot API, in the configured chat: as a message, or as an edit of its
    // order's or lead's live card. The two lead webhooks are one card, sent then edited; so are the two of
    // order 23196 (the production fixture is an older change of it: history, not a fresh card).
    await expect
      .poll(() => fake.sent.length + fake.edits.length, { timeout: 30_000, interval: 200 })
      .toBe(bodies.length)
    const cardOf = (id: string) => fake.sent.find((message) => message.plain_text.includes(id))?.message_id
    expect(new Set(fake.edits.map((edit) => edit.message_id))).toEqual(
      new Set([cardOf('23196'), cardOf('13898')]),
    )
    expect(fake.sent).toHaveLength(4)
    expect(new Set(fake.sent.map((message) => String(message.chat_id)))).toEqual(new Set([CHAT_ID]))
    const shown = fake.sent.map((message) => message.plain_text).join('\n')
    for (const id of ['23196', '23197', '13898', '29068']) expect(shown).toContain(id)

    // A 16 MiB chunked upload is refused with 413 and the process lives on.
    expect(await postChunked(`${webhookUrl}/webhooks/keycrm/${SECRET}`, 16 * 1024 * 1024)).toBe(413)
    expect(webhook.process.exitCode).toBeNull()

    // Both health endpoints are green; the bot polls under the lease with no 409.
    expect((await fetch(`${webhookUrl}/healthz`)).status).toBe(200)
    expect((await fetch(`${webhookUrl}/readyz`)).status).toBe(200)
    await expect
      .poll(async () => ((await (await fetch(`${botUrl}/healthz`)).json()) as { state: string }).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    expect((await fetch(`${botUrl}/healthz`)).status).toBe(200)
    // The poller turns `polling` just before it sends its first getUpdates: wait for that call to arrive.
    await expect.poll(() => fake.countCalls('getUpdates'), { timeout: 10_000 }).toBeGreaterThan(0)
    expect(fake.responses409).toBe(0)
    // The fake logs a message when it arrives; the webhook process counts it once the answer is back and
    // settled in the store, a moment later.
    await expect
      .poll(async () => (await fetch(`${webhookUrl}/metrics`)).text(), { timeout: 10_000 })
      .toMatch(new RegExp(`keygram_notifications_sent_total ${bodies.length}\\n`))
    const metrics = await (await fetch(`${webhookUrl}/metrics`)).text()
    expect(metrics).toContain('keygram_webhooks_rejected_total{reason="payload_too_large"} 1')

    // A bot command is answered through the guarded poller.
    fake.pushMessage({ chat: Number(CHAT_ID), text: '/chatid' })
    const sentBefore = fake.sent.length
    await expect.poll(() => fake.sent.length, { timeout: 30_000 }).toBe(sentBefore + 1)
    expect(fake.sent.at(-1)!.plain_text).toContain(CHAT_ID)

    // SIGTERM both: clean exits within 10 s.
    const [webhookStop, botStop] = await Promise.all([terminate(webhook), terminate(bot)])
    console.info(`SIGTERM to exit: webhook ${webhookStop.ms.toFixed(0)} ms, bot ${botStop.ms.toFixed(0)} ms`)
    expect(webhookStop.code).toBe(0)
    expect(botStop.code).toBe(0)
    expect(webhookStop.ms).toBeLessThan(10_000)
    expect(botStop.ms).toBeLessThan(10_000)

    // The bot released its lease on the way out; nothing ever printed the token or the secret.
    const output = [webhook, bot].map((child) => child.stdout() + child.stderr()).join('\n')
    expect(output).not.toContain(fake.token)
    expect(output).not.toContain(SECRET)
    expect(output).toContain('stopped in')
    const store = sqliteStore({ path: join(dir, 'data', 'keygram.db') })
    try {
      expect(await store.guard.inspect(pollingLeaseName(fake.token))).toBeNull()
      expect((await store.queue.stats(Date.now())).pending).toBe(0)
    } finally {
      await store.close()
    }
  })
})

describe('keygram serve --role bot with Telegraf', () => {
  let fake: FakeBotApi
  let dir: string
  let bot: KeygramChild | undefined
  beforeAll(async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 200, repeatedOffsetPollMs: 200 })
    dir = await mkdtemp(join(tmpdir(), 'keygram-e2e-telegraf-'))
  })
  afterAll(async () => {
    killIfRunning(bot)
    await fake?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('polls under the lease, answers commands and exits cleanly', { timeout: 60_000 }, async () => {
    bot = startKeygram(
      ['serve', '--role', 'bot'],
      {
        TELEGRAM_BOT_TOKEN: fake.token,
        KEYGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: fake.url,
        KEYGRAM_BOT_FRAMEWORK: 'telegraf',
        KEYGRAM_STORE: `sqlite:${join(dir, 'keygram.db')}`,
        KEYGRAM_HOST: '127.0.0.1',
        BOT_PORT: '0',
        LOG_FORMAT: 'json',
      },
      dir,
    )
    const botUrl = (await bot.waitFor(LISTENING('bot')))[1]!
    await expect
      .poll(async () => ((await (await fetch(`${botUrl}/healthz`)).json()) as { state: string }).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    fake.pushMessage({ chat: 700000002, text: '/chatid' })
    await expect.poll(() => fake.sent.length, { timeout: 30_000 }).toBe(1)
    expect(fake.sent[0]!.plain_text).toContain('700000002')
    const stopped = await terminate(bot)
    console.info(`SIGTERM to exit: telegraf bot ${stopped.ms.toFixed(0)} ms`)
    expect(stopped.code).toBe(0)
    expect(stopped.ms).toBeLessThan(10_000)
    expect(fake.responses409).toBe(0)
    expect(bot.stdout() + bot.stderr()).not.toContain(fake.token)
  })
})

describe('demo mode', () => {
  let dir: string
  let server: KeygramChild | undefined
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-demo-'))
  })
  afterAll(async () => {
    killIfRunning(server)
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('serve --role all without a token prints the notifications send-test posts', {
    timeout: 60_000,
  }, async () => {
    const env = { KEYGRAM_HOST: '127.0.0.1', WEBHOOK_PORT: '0', BOT_PORT: '0' }
    server = startKeygram(['serve', '--role', 'all'], env, dir)
    const url = (await server.waitFor(LISTENING('webhook')))[1]!
    const botUrl = (await server.waitFor(LISTENING('bot')))[1]!

    const sender = startKeygram(['send-test'], { ...env, KEYGRAM_URL: url }, dir)
    const { code } = await sender.exited
    expect(code).toBe(0)
    expect(sender.stdout()).toMatch(
      /✔ order status changed: accepted and queued; the server prints it in its terminal \(demo mode/,
    )
    expect(sender.stdout()).toMatch(/✔ lead status changed: accepted and queued/)

    await server.waitFor(/Лід #13898/)
    const printed = server.stdout()
    expect(printed.match(/┌─ Telegram message to chat @keygram_demo/g)).toHaveLength(3)
    expect(printed).toContain('Замовлення #23196')
    expect(printed).toContain('#23197')
    expect((await fetch(`${botUrl}/healthz`)).status).toBe(200)
    // The default SQLite store was created in the working folder.
    await expect(readFile(join(dir, 'data', 'keygram.db'))).resolves.toBeInstanceOf(Buffer)

    const stopped = await terminate(server)
    expect(stopped.code).toBe(0)
    expect(stopped.ms).toBeLessThan(10_000)
  })

  it('fails before opening a port when the configuration is invalid, one line per problem', {
    timeout: 30_000,
  }, async () => {
    const token = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
    const child = startKeygram(
      ['serve'],
      {
        TELEGRAM_BOT_TOKEN: token,
        KEYGRAM_STORE: 'mongodb://u:p@db/x',
        WEBHOOK_PORT: 'abc',
        KEYGRAM_HOST: '127.0.0.1',
      },
      dir,
    )
    const { code } = await child.exited
    expect(code).toBe(1)
    const err = child.stderr()
    expect(err).toMatch(/Invalid Keygram configuration \(3 problems\)/)
    expect(err).toMatch(/- KEYGRAM_WEBHOOK_SECRET is required/)
    expect(err).toMatch(/- KEYGRAM_STORE: unknown store scheme "mongodb:"/)
    expect(err).toMatch(/- WEBHOOK_PORT must be a whole number/)
    expect(err + child.stdout()).not.toContain(token)
    expect(child.stdout()).not.toMatch(/listening/)
  })
})
