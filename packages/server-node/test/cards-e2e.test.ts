/**
 * Live cards end to end: two `keygram serve --role webhook` processes on one SQLite file (two replicas),
 * KeyCRM's webhooks of one order landing on either, against the pace-enforcing fake Bot API.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const SECRET = 'cards-e2e-secret-0123456789abcdef'
const GROUP = -1009876543210
const LISTENING = /webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/

function orderBody(statusId: number, groupId: number, minute: number): string {
  const at = `2026-12-07 10:${String(minute).padStart(2, '0')}:00`
  return JSON.stringify({
    event: 'order.change_order_status',
    context: {
      id: 7700,
      source_uuid: '№881',
      status_id: statusId,
      status_group_id: groupId,
      status_changed_at: at,
      updated_at: at,
      grand_total: '1250.00',
      payment_status: 'not_paid',
    },
  })
}

describe('live cards across two replicas, real processes', () => {
  let fake: FakeBotApi
  let dir: string
  const replicas: KeygramChild[] = []

  beforeAll(async () => {
    fake = await createFakeBotApi()
    dir = await mkdtemp(join(tmpdir(), 'keygram-cards-'))
  })
  afterAll(async () => {
    for (const replica of replicas) killIfRunning(replica)
    await fake?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('five changes of one order posted to either replica at once: one card, four edits, no 429', {
    timeout: 90_000,
  }, async () => {
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: String(GROUP),
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'keygram.db')}`,
      KEYGRAM_TIME_ZONE: 'UTC',
    })
    replicas.push(startKeygram(['serve', '--role', 'webhook'], env, dir))
    replicas.push(startKeygram(['serve', '--role', 'webhook'], env, dir))
    onTestFailed(() => {
      for (const replica of replicas)
        console.error(`--- replica output ---\n${replica.stdout()}${replica.stderr()}`)
    })
    const urls = await Promise.all(replicas.map(async (replica) => (await replica.waitFor(LISTENING))[1]!))

    // New, then four moves; the third move arrives before the second (KeyCRM's order is not guaranteed).
    const changes: [number, number, number][] = [
      [1, 1, 0],
      [2, 2, 10],
      [4, 4, 30],
      [3, 3, 20],
      [5, 5, 40],
    ]
    const answers = await Promise.all(
      changes.map(([status, group, minute], index) =>
        fetch(`${urls[index % 2]}/webhooks/keycrm/${SECRET}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: orderBody(status, group, minute),
        }),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])

    const card = () => fake.sent.find((message) => message.chat_id === GROUP)
    await expect
      .poll(() => fake.message(GROUP, card()?.message_id ?? 0)?.text ?? '', {
        timeout: 60_000,
        interval: 250,
      })
      .toMatch(/10:20 → .*10:30 → .*10:40/s)
    expect(fake.sent.filter((message) => message.chat_id === GROUP)).toHaveLength(1)
    expect(new Set(fake.edits.map((edit) => edit.message_id))).toEqual(new Set([card()!.message_id]))
    expect(fake.edits.length).toBeLessThanOrEqual(4)
    expect(fake.count429).toBe(0)

    const stops = await Promise.all(replicas.map((replica) => terminate(replica)))
    expect(stops.map((stop) => stop.code)).toEqual([0, 0])
    const output = replicas.map((replica) => replica.stdout() + replica.stderr()).join('\n')
    expect(output).not.toContain(fake.token)
    expect(output).not.toContain(SECRET)
  })
})
