import { describe, expect, it } from 'vitest'
import type { Clock } from '../../src/delivery/clock.ts'
import { listDeadLetters, replayDeadLetters } from '../../src/delivery/dead-letters.ts'
import type { NewJob, TelegramFailure, TelegramTransport } from '../../src/delivery/types.ts'
import {
  createDeliveryWorker,
  type DeliveryEvent,
  type DeliveryWorkerOptions,
} from '../../src/delivery/worker.ts'
import { memoryStore } from '../../src/stores/index.ts'
import { classifyTelegramFailure } from '../../src/telegram/classify.ts'
import type { OutgoingMessage } from '../../src/telegram/types.ts'

/** A clock the test moves; sleeping advances it. */
function manualClock(start = 1_000_000): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += Math.max(0, ms)
    },
  }
  return clock
}

type Answer = TelegramFailure | 'ok' | 'throw'

/** An in-process transport answering from a list (then success), recording what was sent. */
function scriptedTransport(answers: Answer[]) {
  const sent: { chatId: string; threadId?: number; message: OutgoingMessage }[] = []
  let id = 0
  const transport: TelegramTransport = {
    async sendMessage(target, message) {
      sent.push({ ...target, message })
      const answer = answers.shift() ?? 'ok'
      if (answer === 'throw') throw new Error('boom')
      return answer === 'ok' ? { ok: true, messageId: ++id } : answer
    },
  }
  return { transport, sent }
}

function newJob(chatId: string, line: string, extra: Partial<NewJob> = {}): NewJob {
  return {
    chatId,
    summaryLine: line,
    message: { text: `<b>${line}</b>`, parse_mode: 'HTML', link_preview_options: {} },
    ...extra,
  }
}

async function setup(answers: Answer[], options: Partial<DeliveryWorkerOptions> = {}) {
  const clock = manualClock()
  const store = memoryStore({ clock: clock.now })
  const { transport, sent } = scriptedTransport(answers)
  const events: DeliveryEvent[] = []
  const worker = createDeliveryWorker({
    store,
    transport,
    clock,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    ...options,
  })
  let key = 0
  const enqueue = (...jobs: NewJob[]) =>
    store.queue.enqueue({ deliveryKey: `k${++key}`, dedupeTtlMs: 60_000, jobs, now: clock.t })
  /** Whether some chat can be claimed at `at` (the probe claim is released unchanged). */
  const dueAt = async (at: number) => {
    const claims = await store.queue.claim({
      workerId: 'probe',
      now: at,
      leaseMs: 1,
      maxChats: 10,
      maxJobsPerChat: 100,
    })
    for (const claim of claims) await store.queue.settle(claim.chatId, claim.claimToken, { now: at })
    return claims.flatMap((claim) => claim.jobs)
  }
  return { clock, store, worker, sent, events, enqueue, dueAt }
}

const fail = (
  code: number,
  description: string,
  parameters?: { retry_after?: number; migrate_to_chat_id?: number },
) => classifyTelegramFailure(code, description, parameters)

describe('createDeliveryWorker outcomes', () => {
  it('backs a 5xx off by the jittered window, blocking the chat so order holds', async () => {
    const s = await setup([fail(500, 'Internal Server Error')])
    await s.enqueue(newJob('1', 'first'), newJob('1', 'second'))
    const t0 = s.clock.t
    expect(await s.worker.runOnce()).toBe(1)
    // attempt 1: window 1000 ms, random 0.5 -> 500 ms
    expect(await s.dueAt(t0 + 499)).toHaveLength(0)
    const due = await s.dueAt(t0 + 500)
    expect(due.map((job) => [job.summaryLine, job.attempts])).toEqual([
      ['first', 1],
      ['second', 0],
    ])
    expect(s.events[0]).toMatchObject({ type: 'retry', kind: 'server_error', attempt: 1, delayMs: 500 })
  })

  it('waits retry_after exactly on a 429, without counting an attempt', async () => {
    const s = await setup([fail(429, 'Too Many Requests: retry after 7', { retry_after: 7 })])
    await s.enqueue(newJob('1', 'only'))
    const t0 = s.clock.t
    await s.worker.runOnce()
    expect(await s.dueAt(t0 + 6999)).toHaveLength(0)
    expect((await s.dueAt(t0 + 7000)).map((job) => job.attempts)).toEqual([0])
  })

  it('sends to groups first when more chats are due than a round takes, leaving the rest queued', async () => {
    const s = await setup([], { limits: { maxChatsPerRound: 2, globalPerSecond: 100 }, coalesce: false })
    // Oldest first, the store would hand out p1 and p2; the round claims 4 and ranks the group first.
    await s.enqueue(newJob('1', 'p1'), newJob('2', 'p2'), newJob('3', 'p3'), newJob('-10', 'g1'))
    expect(await s.worker.runOnce()).toBe(2)
    expect(s.sent.map((sent) => sent.message.text)).toEqual(['<b>g1</b>', '<b>p1</b>'])
    // The other private chats were released unchanged: due now, in their order.
    expect((await s.dueAt(s.clock.t)).map((job) => job.summaryLine)).toEqual(['p2', 'p3'])
  })

  it('spaces chats 1 s apart and holds a group to 20 messages in any minute, shared through the store', async () => {
    // Coalescing off: 22 queued messages would otherwise go out as one summary.
    const s = await setup([], { limits: { globalPerSecond: 100 }, coalesce: false })
    const group = Array.from({ length: 22 }, (_, n) => newJob('-100', `g${n + 1}`))
    await s.enqueue(...group, newJob('5', 'p1'), newJob('5', 'p2'))
    const t0 = s.clock.t
    expect(await s.worker.runOnce()).toBe(2)
    /** The first due job of each claimable chat at `at`. */
    const heads = async (at: number) => {
      const first = new Map<string, string>()
      for (const job of await s.dueAt(at)) if (!first.has(job.chatId)) first.set(job.chatId, job.summaryLine)
      return [...first.values()].sort()
    }
    expect(await heads(t0 + 999)).toEqual([])
    expect(await heads(t0 + 1000)).toEqual(['g2', 'p2'])
    // Send the group's next 19 one second apart: 20 in the minute, then it waits for the first to age out.
    for (let n = 1; n < 20; n++) {
      s.clock.t = t0 + n * 1000
      await s.worker.runOnce()
    }
    expect(await s.store.kv.get('chat-sends:-100')).toHaveLength(20)
    expect(await heads(t0 + 59_999)).toEqual([])
    expect(await heads(t0 + 60_000)).toEqual(['g21'])
  })

  it.each([
    [fail(400, 'Bad Request: message thread not found'), 'thread_not_found'],
    [fail(400, 'Bad Request: chat not found'), 'chat_not_found'],
    [fail(403, 'Forbidden: bot was kicked from the group chat'), 'forbidden'],
    [fail(400, 'Bad Request: BUTTON_URL_INVALID'), 'bad_request'],
  ])('dead-letters %o as %s without retrying', async (failure, reason) => {
    const s = await setup([failure])
    await s.enqueue(newJob('1', 'x', { threadId: 3 }))
    await s.worker.runOnce()
    expect(s.sent).toHaveLength(1)
    expect(s.sent[0]?.threadId).toBe(3)
    const [dead] = await s.store.queue.listDead()
    expect(dead).toMatchObject({ reason, attempts: 1 })
    expect(s.events).toMatchObject([{ type: 'dead', reason }])
  })

  it('retries 401 and a throwing transport as transient', async () => {
    const s = await setup([fail(401, 'Unauthorized'), 'throw'])
    await s.enqueue(newJob('1', 'x'))
    await s.worker.runOnce()
    s.clock.t += 10_000
    await s.worker.runOnce()
    s.clock.t += 10_000
    await s.worker.runOnce()
    expect(s.events.map((event) => event.type === 'retry' && event.kind)).toEqual([
      'unauthorized',
      'network',
      false,
    ])
    expect(s.events.at(-1)).toMatchObject({ type: 'sent' })
  })

  it('dead-letters a whole coalesced batch together once its attempts run out, losing none', async () => {
    const down = Array.from({ length: 3 }, () => fail(502, 'Bad Gateway'))
    const s = await setup(down, { retry: { maxAttempts: 3 }, coalesce: { threshold: 3 } })
    await s.enqueue(newJob('1', 'a'), newJob('1', 'b'), newJob('1', 'c'), newJob('1', 'd', { threadId: 9 }))
    for (let round = 0; round < 3; round++) {
      await s.worker.runOnce()
      s.clock.t += 600_000
    }
    expect(s.sent.map((send) => send.message.text)).toEqual(Array(3).fill('<b>3 updates</b>\na\nb\nc'))
    const dead = await s.store.queue.listDead()
    expect(dead.map((job) => [job.summaryLine, job.reason, job.attempts])).toEqual([
      ['a', 'retries_exhausted', 3],
      ['b', 'retries_exhausted', 3],
      ['c', 'retries_exhausted', 3],
    ])
    // The job of another topic was not merged and is next in line.
    expect((await s.dueAt(s.clock.t)).map((job) => job.summaryLine)).toEqual(['d'])
  })

  it('sends the buttons under the last part of a split message', async () => {
    const s = await setup([fail(400, 'Bad Request: message is too long')])
    const text = `${'a'.repeat(4000)}\n${'b'.repeat(200)}`
    await s.enqueue(
      newJob('1', 'long', {
        message: {
          text,
          parse_mode: 'HTML',
          link_preview_options: {},
          reply_markup: {
            inline_keyboard: [[{ text: 'Open', url: 'https://a.keycrm.app/app/orders/view/1' }]],
          },
        },
      }),
    )
    const t0 = s.clock.t
    await s.worker.runOnce()
    const parts = s.sent.slice(1)
    expect(parts.map((part) => part.message.text)).toEqual(['a'.repeat(4000), 'b'.repeat(200)])
    expect(parts.map((part) => part.message.reply_markup !== undefined)).toEqual([false, true])
    // The parts were paced like any two messages to the chat.
    expect(s.clock.t - t0).toBeGreaterThanOrEqual(1000)
    expect(s.events.at(-1)).toMatchObject({ type: 'sent', fallback: 'split', messageIds: [1, 2] })
  })

  it('replays only the dead letters asked for, at the end of their lines with attempts reset', async () => {
    const forbidden = fail(403, 'Forbidden: bot was blocked by the user')
    const s = await setup([forbidden, forbidden])
    await s.enqueue(newJob('1', 'a'))
    await s.enqueue(newJob('2', 'b'))
    await s.worker.runOnce()
    const dead = await listDeadLetters(s.store)
    expect(dead.map((job) => job.summaryLine).sort()).toEqual(['a', 'b'])
    const a = dead.find((job) => job.summaryLine === 'a')!
    expect(await replayDeadLetters(s.store, [a.id], { clock: s.clock })).toBe(1)
    expect((await listDeadLetters(s.store)).map((job) => job.summaryLine)).toEqual(['b'])
    expect((await s.dueAt(s.clock.t)).map((job) => [job.summaryLine, job.attempts])).toEqual([['a', 0]])
    await s.worker.runOnce()
    expect(s.events.at(-1)).toMatchObject({ type: 'sent', chatId: '1' })
  })

  it('survives an onEvent hook that throws', async () => {
    const s = await setup([], {
      onEvent: () => {
        throw new Error('metrics down')
      },
    })
    await s.enqueue(newJob('1', 'x'))
    await s.worker.runOnce()
    expect(s.sent).toHaveLength(1)
    expect((await s.store.queue.stats(s.clock.t)).pending).toBe(0)
  })

  it('reports latency from enqueue to delivery, and the delivery key the notification came from', async () => {
    const s = await setup([])
    await s.enqueue(newJob('1', 'x'))
    s.clock.t += 1234
    await s.worker.runOnce()
    expect(s.events[0]).toMatchObject({ type: 'sent', latencyMs: 1234, deliveryKeys: ['k1'] })
    expect(s.worker.status().totals.sent).toBe(1)
  })
})
