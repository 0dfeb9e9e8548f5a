/**
 * A crash of the real server during a burst (issue #20, 4 and 6): `keygram serve --role webhook` on a SQLite
 * file receives a burst of 1000 KeyCRM webhooks for 20 chats and is SIGKILLed while Telegram (the fake Bot
 * API) has taken messages it has not answered yet: the sends a crash cannot know about. Another server on
 * the same file delivers the rest: one started right after the kill, or a replica that was running all
 * along. Asserted: every webhook that got a 2xx is delivered, at most one message per chat is repeated,
 * and the chats the dead process held are taken over within the claim lease.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CLAIM_LEASE_MS } from '@keygram/core'
import { resolveSqliteDriver } from '@keygram/store-sqlite'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram } from '../helpers/child.ts'
import { FAULT_CHATS, FAULT_ROUTES, generateWebhooks } from './webhooks.ts'

const SECRET = 'fault-serve-kill-secret-0123456789abcdef'
const LISTENING = /webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const children: KeygramChild[] = []
const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const child of children.splice(0)) killIfRunning(child)
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Every order id a message names (`#70001`; a summary names many). */
const orderIdsOf = (text: string): number[] =>
  [...text.matchAll(/#(\d{5})\b/g)].map((match) => Number(match[1]))

interface Server {
  child: KeygramChild
  url: string
}

/** Who delivers after the kill: a server started right after it, or a replica that ran all along. */
type Successor = 'restart' | 'replica'

/** The scenario; resolves what the test asserts on and reports. */
async function killDuringBurst(successor: Successor) {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-serve-kill-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const fake: FakeBotApi = await createFakeBotApi({ seed: 20_261_207 })
  cleanups.push(() => fake.close())
  const config = join(dir, 'keygram.config.json')
  writeFileSync(config, JSON.stringify({ routes: FAULT_ROUTES, cards: false }))
  const path = join(dir, 'keygram.db')
  const env = localServeEnv({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    KEYGRAM_WEBHOOK_SECRET: SECRET,
    KEYGRAM_STORE: `sqlite:${path}`,
    KEYGRAM_CONFIG: config,
    LOG_LEVEL: 'info',
  })
  const start = async (): Promise<Server> => {
    const child = startKeygram(['serve', '--role', 'webhook'], env, dir)
    children.push(child)
    onTestFailed(() => console.error(`--- server output ---\n${child.stdout()}${child.stderr()}`))
    return { child, url: (await child.waitFor(LISTENING, 30_000))[1]! }
  }

  const victim = await start()
  let target = victim
  // KeyCRM's side: every webhook is posted until it gets a 2xx (a refused connection is retried, as
  // KeyCRM retries), so each one ends acknowledged and must be delivered.
  const webhooks = generateWebhooks(1000, 0, 11)
  const acknowledged = new Set<number>()
  const postAll = async (queue: typeof webhooks) => {
    for (const webhook of queue) {
      for (;;) {
        try {
          const response = await fetch(`${target.url}/webhooks/keycrm/${SECRET}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: webhook.body,
          })
          if (response.ok) {
            acknowledged.add(webhook.orderId)
            break
          }
        } catch {
          // The server is down (killed): try again shortly, on its successor.
        }
        await sleep(50)
      }
    }
  }
  const posting = Promise.all([0, 1, 2, 3].map((lane) => postAll(webhooks.filter((_, i) => i % 4 === lane))))

  // Once summaries go out, Telegram takes the next messages but holds its answers: the process dies with
  // those messages sent and not recorded, the window no design can close without an idempotency key.
  await expect.poll(() => fake.sent.length, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(25)
  fake.fail('sendMessage', { kind: 'delay_answer', ms: 60_000, times: 6 })
  const held = () => fake.calls.filter((call) => call.method === 'sendMessage' && call.status === null)
  await expect.poll(() => held().length, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(1)
  // The other sends of the same round land meanwhile (a round sends to up to 10 chats at once); the
  // victim's round then waits on the held answers, renewing its claims.
  await sleep(300)
  fake.clearFaults()
  const inWindow = new Set(held().map((call) => String(call.params.chat_id)))
  let successorUpAt = 0
  if (successor === 'replica') {
    target = await start()
    successorUpAt = Date.now()
  }

  victim.child.process.kill('SIGKILL')
  expect(await victim.child.exited).toEqual({ code: null, signal: 'SIGKILL' })
  const killedAt = Date.now()
  const sentAtKill = fake.sent.length

  // The chats still held under a claim: the victim's wait for its lease to run out.
  // Through the runtime's SQLite driver: better-sqlite3's build cannot load in the Node 24 pass.
  const db = resolveSqliteDriver(undefined).open(path, { busyTimeoutMs: 5_000 })
  const claimed = db
    .prepare<[number], { chat_id: string }>(
      'SELECT chat_id FROM chats WHERE claim_token IS NOT NULL AND claim_expires_at > ?',
    )
    .all(killedAt)
    .map((row) => row.chat_id)
  db.close()
  for (const chat of inWindow) expect(claimed).toContain(chat)

  if (successor === 'restart') {
    target = await start()
    successorUpAt = Date.now()
  }
  await posting
  await expect
    .poll(() => new Set(fake.sent.flatMap((message) => orderIdsOf(message.plain_text))).size, {
      timeout: 60_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(acknowledged.size)

  // A repeat is a message that names an order the chat had already received (a summary sent again may
  // also carry orders queued since).
  const repeatsByChat = new Map<string, number>()
  const seen = new Map<string, Set<number>>()
  let repeatedOrders = 0
  for (const message of fake.sent) {
    const chat = String(message.chat_id)
    const known = seen.get(chat) ?? new Set<number>()
    const ids = orderIdsOf(message.plain_text)
    const again = ids.filter((id) => known.has(id)).length
    if (again > 0) repeatsByChat.set(chat, (repeatsByChat.get(chat) ?? 0) + 1)
    repeatedOrders += again
    for (const id of ids) known.add(id)
    seen.set(chat, known)
  }

  // Takeover: the first send to each chat that was in the window, after the kill.
  const firstSendAfterKill = (chat: string) =>
    fake.calls.find(
      (call) => call.method === 'sendMessage' && call.at >= killedAt && String(call.params.chat_id) === chat,
    )?.at
  const takeoverMs = [...inWindow].map(
    (chat) => (firstSendAfterKill(chat) ?? Number.POSITIVE_INFINITY) - killedAt,
  )
  const received = new Set(fake.sent.flatMap((message) => orderIdsOf(message.plain_text)))
  const report =
    `serve-kill (${successor}): ${inWindow.size} chats with a send in the window; ` +
    `repeats ${[...repeatsByChat.values()].reduce((sum, n) => sum + n, 0)} ` +
    `(max ${Math.max(0, ...repeatsByChat.values())} per chat, ${repeatedOrders} orders in them); ` +
    `takeover ${Math.min(...takeoverMs)}..${Math.max(...takeoverMs)} ms after the kill ` +
    `(successor listening ${successorUpAt - killedAt} ms after it); ${sentAtKill} messages before the kill, ` +
    `${fake.sent.length} in all for ${FAULT_CHATS.length} chats`
  console.log(report)
  return {
    acknowledged,
    lost: [...acknowledged].filter((id) => !received.has(id)),
    inWindow,
    repeatsByChat,
    takeoverMs,
    successorUpMs: successorUpAt - killedAt,
  }
}

describe('fault: the real server SIGKILLed during a burst of webhooks', () => {
  it.each(['restart', 'replica'] as const)(
    'loses no acknowledged webhook, repeats at most one message per chat, and hands its chats over within the lease (%s)',
    { timeout: 120_000 },
    async (successor) => {
      const result = await killDuringBurst(successor)
      expect(result.acknowledged.size).toBe(1000)
      expect(result.lost).toEqual([])
      for (const [chat, repeats] of result.repeatsByChat) {
        expect(repeats, `repeats in chat ${chat}`).toBeLessThanOrEqual(1)
        expect(result.inWindow).toContain(chat)
      }
      // Within the lease (plus the successor's round in progress and a loaded machine's slack); a restart's
      // own start-up counts too when it is longer than what was left of the lease.
      const bound = Math.max(DEFAULT_CLAIM_LEASE_MS, result.successorUpMs) + 2_500
      expect(Math.max(...result.takeoverMs)).toBeLessThanOrEqual(bound)
    },
  )
})
