/**
 * Stock alerts end to end with real processes: `keygram serve --role webhook` (SQLite store) against the
 * fake Telegram Bot API. KeyCRM's sample through `keygram send-test --stock`, a 10,000-row import, and a
 * crossing sequence across a restart of the server, with the exact messages that arrive.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const SECRET = 'stock-e2e-secret-0123456789abcdef'
const CHAT_ID = '700000042'
const LISTENING = /webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/
const TITLE = '📦 <b>Stock alerts</b>'

describe('stock alerts, real processes against the fake Bot API', () => {
  let fake: FakeBotApi
  let dir: string
  let server: KeygramChild | undefined

  beforeAll(async () => {
    fake = await createFakeBotApi()
    dir = await mkdtemp(join(tmpdir(), 'keygram-stock-e2e-'))
  })
  afterAll(async () => {
    killIfRunning(server)
    await fake?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('alerts the sample, coalesces a 10,000-row import, and keeps crossings across a restart', {
    timeout: 120_000,
  }, async () => {
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      KEYGRAM_STOCK_LOW: '15',
      KEYGRAM_LOCALE: 'en',
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
    })
    server = startKeygram(['serve', '--role', 'webhook'], env, dir)
    let url = (await server.waitFor(LISTENING))[1]!
    const post = async (rows: unknown[]) => {
      const response = await fetch(`${url}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      })
      expect(response.status).toBe(200)
      return (await response.json()) as { status: string; crossings: number; messages: number }
    }
    const texts = () => fake.sent.map((message) => message.text)

    // 1. KeyCRM's documented sample, posted by the CLI: 16 in stock - 3 reserved = 13 <= 15.
    const sender = startKeygram(['send-test', '--stock'], { ...env, KEYGRAM_URL: url }, dir)
    expect((await sender.exited).code).toBe(0)
    expect(sender.stdout()).toMatch(
      /✔ stock balance changed: accepted: 1 stock row\(s\), 1 threshold crossing\(s\), 1 alert message\(s\) queued/,
    )
    await expect.poll(() => fake.sent.length, { timeout: 15_000 }).toBe(1)
    expect(fake.sent[0]).toMatchObject({
      chat_id: Number(CHAT_ID),
      parse_mode: 'HTML',
      text: `${TITLE}\n⚠️ low: 13 left (threshold 15) — <code>a001-56</code>`,
      plain_text: '📦 Stock alerts\n⚠️ low: 13 left (threshold 15) — a001-56',
    })
    // KeyCRM redelivering it changes nothing.
    const shared = await readFile(
      new URL('../../core/test/fixtures/stock.balance-webhook.json', import.meta.url),
      'utf8',
    )
    expect(await post(JSON.parse(shared))).toMatchObject({ status: 'duplicate' })

    // 2. A 10,000-row import in which 1,000 offers fall low: accepted quickly, a few summary messages.
    const rows = Array.from({ length: 10_000 }, (_, index) => ({
      offer_id: 200_000 + index,
      sku: `imp-${index}`,
      in_stock: index % 10 === 0 ? 3 : 40,
      in_reserve: index % 10 === 0 ? 1 : 0,
    }))
    const bytes = Buffer.byteLength(JSON.stringify(rows))
    const started = performance.now()
    const imported = await post(rows)
    const acceptMs = performance.now() - started
    expect(imported).toMatchObject({ status: 'queued', crossings: 1000 })
    expect(imported.messages).toBeGreaterThan(1)
    expect(imported.messages).toBeLessThanOrEqual(5)
    expect(acceptMs).toBeLessThan(5000)
    await expect.poll(() => fake.sent.length, { timeout: 30_000 }).toBe(1 + imported.messages)
    const summaries = fake.sent.slice(1)
    expect(new Set(summaries.map((message) => String(message.chat_id)))).toEqual(new Set([CHAT_ID]))
    const lines = summaries.flatMap((message) => message.plain_text.split('\n'))
    for (const message of summaries) expect(message.plain_text.length).toBeLessThanOrEqual(4096)
    expect(lines[0]).toBe('📦 Stock alerts · 1000')
    const listed = lines.filter((line) => line.startsWith('⚠️ low: 2 left (threshold 15) — imp-')).length
    const more = Number(lines.at(-1)?.match(/^…and (\d+) more$/)?.[1])
    expect(listed + more).toBe(1000)
    console.info(
      `stock e2e: 10,000-row import (${(bytes / 1_048_576).toFixed(2)} MiB) accepted in ${acceptMs.toFixed(0)} ms; 1,000 crossings -> ${imported.messages} messages (${listed} listed, ${more} counted)`,
    )

    // 3. One offer crossing down, up and down, with a restart of the server in the middle.
    const level = (available: number, reserve: number) => [
      { offer_id: 555, sku: 'seq-555', in_stock: available + reserve, in_reserve: reserve },
    ]
    expect(await post(level(30, 0))).toMatchObject({ status: 'no_alerts' })
    expect(await post(level(10, 2))).toMatchObject({ status: 'queued', crossings: 1 })
    await expect.poll(() => fake.sent.length, { timeout: 15_000 }).toBe(2 + imported.messages)

    const stopped = await terminate(server)
    expect(stopped.code).toBe(0)
    server = startKeygram(['serve', '--role', 'webhook'], env, dir)
    url = (await server.waitFor(LISTENING))[1]!

    expect(await post(level(10, 2))).toMatchObject({ status: 'duplicate' }) // a redelivery across the restart
    expect(await post(level(12, 0))).toMatchObject({ status: 'no_alerts' }) // still low
    expect(await post(level(17, 1))).toMatchObject({ status: 'no_alerts' }) // inside the band (15, 18]
    expect(await post(level(19, 0))).toMatchObject({ status: 'queued', crossings: 1 }) // back
    expect(await post(level(16, 0))).toMatchObject({ status: 'no_alerts' }) // inside the band again
    expect(await post(level(4, 3))).toMatchObject({ status: 'queued', crossings: 1 }) // low again
    await expect.poll(() => fake.sent.length, { timeout: 15_000 }).toBe(4 + imported.messages)
    expect(texts().slice(1 + imported.messages)).toEqual([
      `${TITLE}\n⚠️ low: 10 left (threshold 15) — <code>seq-555</code>`,
      `${TITLE}\n✅ back in stock: 19 — <code>seq-555</code>`,
      `${TITLE}\n⚠️ low: 4 left (threshold 15) — <code>seq-555</code>`,
    ])

    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('keygram_webhooks_received_total{status="stock_queued"} 2')
    const last = await terminate(server)
    expect(last.code).toBe(0)
    expect(server.stdout() + server.stderr()).not.toContain(SECRET)
  })
})
