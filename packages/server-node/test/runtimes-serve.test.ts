/**
 * `keygram serve --role webhook` and `--role bot` under Deno and Bun (the executables installed from npm),
 * with their default durable store: a SQLite file, opened through the runtime's own SQLite (node:sqlite
 * under Deno, bun:sqlite under Bun). The built CLI (`dist/cli.mjs`) runs, as a user would run the
 * published package.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sqliteStore } from '@keygram/store-sqlite'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest'
import { sampleWebhooks } from '../src/samples.ts'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const builtCli = join(root, 'packages/server-node/dist/cli.mjs')
const SECRET = 'runtime-webhook-secret-0123456789abcdef'
const CHAT_ID = '700000042'

// The executables themselves, not the `.bin` wrappers: those run them through a Node process that does not
// pass SIGTERM on, so the clean stop could not be tested.
const runtimes = [
  { name: 'Deno', command: [join(root, 'node_modules/deno/deno'), 'run', '-A', builtCli] },
  { name: 'Bun', command: [join(root, 'node_modules/bun/bin/bun.exe'), builtCli] },
]

describe.each(runtimes)('keygram serve under $name with a SQLite store', ({ command }) => {
  let fake: FakeBotApi
  let dir: string
  let server: KeygramChild | undefined
  let manifestBefore: string

  beforeEach(async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    dir = await mkdtemp(join(tmpdir(), 'keygram-runtime-serve-'))
    // Deno, when it cannot resolve a package, may rewrite the root package.json; the run must not.
    manifestBefore = await readFile(join(root, 'package.json'), 'utf8')
  })
  afterEach(async () => {
    killIfRunning(server)
    await fake.close()
    await rm(dir, { recursive: true, force: true })
    expect(await readFile(join(root, 'package.json'), 'utf8')).toBe(manifestBefore)
  })

  it('--role webhook answers KeyCRM, delivers every webhook once, keeps nothing pending, stops on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    expect(existsSync(builtCli), `${builtCli} is missing: run pnpm build first`).toBe(true)
    const path = join(dir, 'data', 'keygram.db')
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${path}`,
      NO_COLOR: '1',
    })
    server = startKeygram(['serve', '--role', 'webhook'], env, dir, command)
    const child = server
    onTestFailed(() => console.error(`--- keygram serve output ---\n${child.stdout()}${child.stderr()}`))
    const url = (await child.waitFor(/webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!

    const bodies = sampleWebhooks().map((sample) => JSON.stringify(sample.body))
    const post = (body: string, secret = SECRET) =>
      fetch(`${url}/webhooks/keycrm/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    for (const body of bodies) {
      const response = await post(body)
      expect(response.status).toBe(200)
      expect(((await response.json()) as { status: string }).status).toBe('queued')
    }
    // A redelivery is acknowledged but not queued again; a wrong secret is refused.
    expect(((await (await post(bodies[0]!)).json()) as { status: string }).status).toBe('duplicate')
    expect((await post(bodies[0]!, 'wrong-secret-0123456789abcdef')).status).toBe(404)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    // Every webhook reaches the chat, as a message or an edit of its order's or lead's live card.
    await expect
      .poll(() => fake.sent.length + fake.edits.length, { timeout: 30_000, interval: 200 })
      .toBe(bodies.length)
    expect(new Set(fake.sent.map((message) => String(message.chat_id)))).toEqual(new Set([CHAT_ID]))
    await expect
      .poll(async () => (await fetch(`${url}/metrics`)).text(), { timeout: 10_000 })
      .toMatch(new RegExp(`keygram_notifications_sent_total ${bodies.length}\\n`))

    const stop = await terminate(child)
    expect(stop.code).toBe(0)
    expect(child.stdout() + child.stderr()).not.toContain(fake.token)

    // The file the runtime wrote is a Keygram store another driver opens: queue drained, deliveries kept.
    const store = sqliteStore({ path })
    try {
      expect(await store.queue.stats(Date.now())).toMatchObject({ pending: 0, claimed: 0, dead: 0 })
    } finally {
      await store.close()
    }
  })

  it('--role bot polls under the SQLite lease, answers a command and stops on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
      NO_COLOR: '1',
    })
    server = startKeygram(['serve', '--role', 'bot'], env, dir, command)
    const child = server
    onTestFailed(() => console.error(`--- keygram serve output ---\n${child.stdout()}${child.stderr()}`))
    const url = (await child.waitFor(/bot server listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    await expect
      .poll(async () => ((await (await fetch(`${url}/healthz`)).json()) as { state: string }).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    fake.pushMessage({ chat: Number(CHAT_ID), text: '/chatid' })
    await expect.poll(() => fake.sent.length, { timeout: 30_000 }).toBe(1)
    expect(fake.sent[0]!.plain_text).toContain(CHAT_ID)
    expect(fake.responses409).toBe(0)
    expect((await terminate(child)).code).toBe(0)
  })
})
