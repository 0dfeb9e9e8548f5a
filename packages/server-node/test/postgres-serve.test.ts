/**
 * `keygram serve` on a `postgres://` store: the webhook and bot processes share one PostgreSQL database
 * (a schema of their own, chosen with `?schema=`), against the fake Telegram Bot API. Needs the real
 * PostgreSQL on 127.0.0.1:5432 (or KEYGRAM_TEST_POSTGRES_URL); fails, never skips, without it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pollingLeaseName } from '@keygram/core'
import { postgresStore } from '@keygram/store-postgres'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleWebhooks } from '../src/samples.ts'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const BASE_URL = process.env.KEYGRAM_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'
const SECRET = 'pg-e2e-webhook-secret-0123456789abcdef'
const CHAT_ID = '700000003'
// Trust authentication ignores it, so it can stand for a real password that must never be printed.
const PASSWORD = `never-printed-${randomBytes(4).toString('hex')}`
const LISTENING = (what: string) => new RegExp(`${what} server listening on (http://127\\.0\\.0\\.1:\\d+)`)

describe('keygram serve with a postgres:// store', () => {
  const schema = `keygram_e2e_${randomBytes(6).toString('hex')}`
  let admin: pg.Pool
  let fake: FakeBotApi
  let dir: string
  let storeUrl: string
  const children: KeygramChild[] = []

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: BASE_URL, connectionTimeoutMillis: 3000, max: 2 })
    await admin.query('SELECT 1').catch((error: Error) => {
      throw new Error(
        `PostgreSQL at ${BASE_URL} is unreachable (${error.message || String(error)}); start it (.ci/run does) or set KEYGRAM_TEST_POSTGRES_URL`,
      )
    })
    const url = new URL(BASE_URL)
    url.password = PASSWORD
    if (url.username === '') url.username = 'postgres'
    url.searchParams.set('schema', schema)
    storeUrl = url.toString()
    fake = await createFakeBotApi({ conflictPacingMs: 200, repeatedOffsetPollMs: 200 })
    dir = await mkdtemp(join(tmpdir(), 'keygram-pg-e2e-'))
  })
  afterAll(async () => {
    for (const child of children) killIfRunning(child)
    await fake?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin?.end()
  })

  it('queues, dedupes and delivers through PostgreSQL, polls under its lease, and never prints the password', {
    timeout: 90_000,
  }, async () => {
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: storeUrl,
    })
    const webhook = startKeygram(['serve', '--role', 'webhook'], env, dir)
    const bot = startKeygram(['serve', '--role', 'bot'], env, dir)
    children.push(webhook, bot)
    const webhookUrl = (await webhook.waitFor(LISTENING('webhook')))[1]!
    const botUrl = (await bot.waitFor(LISTENING('bot')))[1]!
    expect((await fetch(`${webhookUrl}/readyz`)).status).toBe(200)

    const bodies = sampleWebhooks().map((sample) => JSON.stringify(sample.body))
    const post = (body: string) =>
      fetch(`${webhookUrl}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (response) => (await response.json()) as { status: string })
    for (const body of bodies) expect(await post(body)).toMatchObject({ status: 'queued' })
    // KeyCRM's retry of a delivery is recognised by the database, not by this process' memory.
    expect((await post(bodies[0]!)).status).toBe('duplicate')

    await expect.poll(() => fake.sent.length, { timeout: 30_000, interval: 200 }).toBe(bodies.length)
    expect(new Set(fake.sent.map((message) => String(message.chat_id)))).toEqual(new Set([CHAT_ID]))
    await expect
      .poll(async () => ((await (await fetch(`${botUrl}/healthz`)).json()) as { state: string }).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    expect(fake.responses409).toBe(0)

    // The state lives in the schema the URL named: the polling lease, the delivery keys, an empty queue.
    const store = postgresStore({ pool: admin, schema })
    try {
      expect(await store.guard.inspect(pollingLeaseName(fake.token))).not.toBeNull()
      expect((await store.queue.stats(Date.now())).pending).toBe(0)
      const { rows } = await admin.query(`SELECT count(*)::int AS keys FROM "${schema}".keygram_deliveries`)
      expect(rows[0].keys).toBe(bodies.length)

      const [webhookStop, botStop] = await Promise.all([terminate(webhook), terminate(bot)])
      expect([webhookStop.code, botStop.code]).toEqual([0, 0])
      expect(await store.guard.inspect(pollingLeaseName(fake.token))).toBeNull()
    } finally {
      await store.close()
    }
    const output = [webhook, bot].map((child) => child.stdout() + child.stderr()).join('\n')
    expect(output).toContain('postgres://postgres:***@')
    for (const secret of [PASSWORD, fake.token, SECRET]) expect(output).not.toContain(secret)
  })
})
