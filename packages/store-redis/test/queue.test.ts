import type { KeygramStore } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimInput, enqueue, job, keysUnder, redisFixture } from './helpers.ts'

const T0 = 1_767_225_600_000

describe('redisStore queue', () => {
  let fixture: ReturnType<typeof redisFixture>
  let store: KeygramStore

  beforeEach(async () => {
    fixture = redisFixture()
    store = await fixture.open()
  })
  afterEach(() => fixture.cleanup())

  const texts = (jobs: { message: { text: string } }[]) => jobs.map((queued) => queued.message.text)

  it('suppresses a redelivery within the dedupe ttl, measured on the caller clock', async () => {
    const input = { deliveryKey: 'order:1:status:3', dedupeTtlMs: 1000, jobs: [job('100', 'a')], now: T0 }
    const first = await store.queue.enqueue(input)
    expect(first.accepted).toBe(true)
    expect(first.jobIds).toHaveLength(1)
    expect(await store.queue.enqueue({ ...input, now: T0 + 999 })).toEqual({ accepted: false, jobIds: [] })
    // The caller's clock says the ttl has passed, though Redis' own PX has not: accepted again.
    const later = await store.queue.enqueue({ ...input, now: T0 + 1000 })
    expect(later.accepted).toBe(true)
    expect(later.jobIds[0]).not.toBe(first.jobIds[0])
    const claimed = await store.queue.claim(claimInput(T0 + 1000))
    expect(texts(claimed[0]!.jobs)).toEqual(['a', 'a'])
  })

  it('remembers a delivery with no jobs, and lets Redis expire the marker in real time too', async () => {
    const input = { deliveryKey: 'lead:5', dedupeTtlMs: 5000, jobs: [], now: T0 }
    expect(await store.queue.enqueue(input)).toEqual({ accepted: true, jobIds: [] })
    expect((await store.queue.enqueue(input)).accepted).toBe(false)
    const admin = await fixture.admin()
    const ttl = await admin.pttl(`${fixture.prefix}dk:lead:5`)
    expect(ttl).toBeGreaterThan(4000)
    expect(ttl).toBeLessThanOrEqual(5000)
  })

  it('round-trips every job field, keeping empty arrays and non-ASCII text intact', async () => {
    const message = {
      text: 'Замовлення <b>№18766</b> — 💸 &amp; \u{1F600}',
      parse_mode: 'HTML' as const,
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: [] },
      disable_notification: true,
    }
    const [id] = await store.queue
      .enqueue({
        deliveryKey: 'k',
        dedupeTtlMs: 1000,
        jobs: [{ chatId: '-1001234', threadId: 42, message, summaryLine: 'Order #1 → Shipped' }],
        now: T0,
      })
      .then((result) => result.jobIds)
    const [chat] = await store.queue.claim(claimInput(T0 + 5))
    expect(chat!.chatId).toBe('-1001234')
    expect(chat!.jobs).toEqual([
      {
        id,
        chatId: '-1001234',
        threadId: 42,
        message,
        summaryLine: 'Order #1 → Shipped',
        deliveryKey: 'k',
        sequence: expect.any(Number),
        attempts: 0,
        notBefore: T0,
        createdAt: T0,
        lastError: null,
      },
    ])
    expect(chat!.jobs[0]).not.toHaveProperty('threadId', undefined)
  })

  it('hands out each chat line in order, bounded by maxChats and maxJobsPerChat', async () => {
    await enqueue(store, T0, job('a', 'a1'), job('b', 'b1'), job('a', 'a2'))
    await enqueue(store, T0, job('a', 'a3'), job('c', 'c1'))
    const first = await store.queue.claim(claimInput(T0, { maxChats: 2, maxJobsPerChat: 2 }))
    expect(first).toHaveLength(2)
    const byChat = new Map(first.map((chat) => [chat.chatId, chat]))
    expect(texts(byChat.get('a')!.jobs)).toEqual(['a1', 'a2'])
    const sequences = byChat.get('a')!.jobs.map((queued) => queued.sequence)
    expect(sequences[1]).toBeGreaterThan(sequences[0]!)
    // The claimed chats are not handed out again; the third chat is.
    const second = await store.queue.claim(claimInput(T0, { workerId: 'w2' }))
    expect(second.map((chat) => chat.chatId)).toEqual(['c'])
    expect(await store.queue.claim(claimInput(T0, { workerId: 'w3' }))).toEqual([])
  })

  it('lets another worker take a chat over when the claim lease runs out, and ignores the stale settle', async () => {
    const [id] = await enqueue(store, T0, job('x', 'x1'))
    const [mine] = await store.queue.claim(claimInput(T0, { leaseMs: 1000 }))
    expect(await store.queue.claim(claimInput(T0 + 999, { workerId: 'w2' }))).toEqual([])
    const [theirs] = await store.queue.claim(claimInput(T0 + 1000, { workerId: 'w2', leaseMs: 1000 }))
    expect(theirs!.chatId).toBe('x')
    expect(theirs!.claimToken).not.toBe(mine!.claimToken)
    expect(await store.queue.settle('x', mine!.claimToken, { done: [id!], now: T0 + 1001 })).toEqual({
      ok: false,
    })
    expect((await store.queue.stats(T0 + 1001)).claimed).toBe(1)
    expect(await store.queue.settle('x', theirs!.claimToken, { done: [id!], now: T0 + 1002 })).toEqual({
      ok: true,
    })
    expect(await store.queue.stats(T0 + 1002)).toEqual({
      pending: 0,
      claimed: 0,
      dead: 0,
      oldestPendingAgeMs: null,
    })
  })

  it('accepts a settle after the lease ran out as long as nobody took the chat over', async () => {
    const [id] = await enqueue(store, T0, job('slow', 's1'))
    const [claim] = await store.queue.claim(claimInput(T0, { leaseMs: 100 }))
    expect((await store.queue.settle('slow', claim!.claimToken, { done: [id!], now: T0 + 500 })).ok).toBe(
      true,
    )
    expect(await store.queue.claim(claimInput(T0 + 500))).toEqual([])
  })

  it('retries keep their place at the head: the chat waits for its first job', async () => {
    const [first, second] = await enqueue(store, T0, job('r', 'r1'), job('r', 'r2'))
    const [claim] = await store.queue.claim(claimInput(T0))
    const settled = await store.queue.settle('r', claim!.claimToken, {
      retry: [{ id: first!, notBefore: T0 + 5000, error: '502 Bad Gateway' }],
      now: T0 + 10,
    })
    expect(settled.ok).toBe(true)
    // r2 is due but must not overtake r1.
    expect(await store.queue.claim(claimInput(T0 + 4999))).toEqual([])
    const [again] = await store.queue.claim(claimInput(T0 + 5000))
    expect(again!.jobs.map((queued) => [queued.id, queued.attempts, queued.lastError])).toEqual([
      [first, 1, '502 Bad Gateway'],
      [second, 0, null],
    ])
    expect(again!.jobs[0]!.notBefore).toBe(T0 + 5000)
  })

  it('stops the head run at the first job that is not due', async () => {
    const [a1, a2] = await enqueue(store, T0, job('h', 'h1'), job('h', 'h2'))
    await enqueue(store, T0, job('h', 'h3'))
    const [claim] = await store.queue.claim(claimInput(T0))
    await store.queue.settle('h', claim!.claimToken, {
      done: [a1!],
      retry: [{ id: a2!, notBefore: T0 + 100, error: 'timeout' }],
      now: T0,
    })
    expect(await store.queue.claim(claimInput(T0 + 50))).toEqual([])
    const [next] = await store.queue.claim(claimInput(T0 + 100))
    expect(texts(next!.jobs)).toEqual(['h2', 'h3'])
  })

  it('honours chatNotBefore for every worker, even after the chat ran empty', async () => {
    const [id] = await enqueue(store, T0, job('p', 'p1'))
    const [claim] = await store.queue.claim(claimInput(T0))
    await store.queue.settle('p', claim!.claimToken, { done: [id!], chatNotBefore: T0 + 3000, now: T0 })
    await enqueue(store, T0 + 10, job('p', 'p2'), job('q', 'q1'))
    const early = await store.queue.claim(claimInput(T0 + 2999, { workerId: 'w2' }))
    expect(early.map((chat) => chat.chatId)).toEqual(['q'])
    const late = await store.queue.claim(claimInput(T0 + 3000, { workerId: 'w3' }))
    expect(late.map((chat) => texts(chat.jobs))).toEqual([['p2']])
  })

  it('leaves jobs not named in the settle queued and unchanged', async () => {
    const ids = await enqueue(store, T0, job('u', 'u1'), job('u', 'u2'))
    const [claim] = await store.queue.claim(claimInput(T0))
    await store.queue.settle('u', claim!.claimToken, { done: [ids[0]!], now: T0 })
    const [next] = await store.queue.claim(claimInput(T0))
    expect(next!.jobs.map((queued) => [queued.id, queued.attempts])).toEqual([[ids[1], 0]])
  })

  it('dead-letters, lists oldest first, and replays at the end of the line with attempts reset', async () => {
    const [d1, d2, keep] = await enqueue(store, T0, job('d', 'd1'), job('e', 'e1'), job('d', 'd2'))
    let claims = await store.queue.claim(claimInput(T0))
    const token = (chatId: string) => claims.find((chat) => chat.chatId === chatId)!.claimToken
    await store.queue.settle('d', token('d'), {
      dead: [{ id: d1!, reason: 'forbidden', error: 'Forbidden: bot was blocked by the user' }],
      retry: [{ id: keep!, notBefore: T0, error: 'flaky' }],
      now: T0 + 1,
    })
    await store.queue.settle('e', token('e'), {
      dead: [{ id: d2!, reason: 'retries_exhausted', error: '500' }],
      now: T0 + 2,
    })
    const dead = await store.queue.listDead()
    expect(dead.map((job) => [job.id, job.reason, job.deadAt, job.attempts, job.lastError])).toEqual([
      [d1, 'forbidden', T0 + 1, 1, 'Forbidden: bot was blocked by the user'],
      [d2, 'retries_exhausted', T0 + 2, 1, '500'],
    ])
    expect(await store.queue.listDead({ limit: 1 })).toHaveLength(1)
    expect(await store.queue.listDead({ limit: 0 })).toEqual([])
    expect((await store.queue.stats(T0 + 2)).dead).toBe(2)

    expect(await store.queue.replayDead({ ids: [d1!, 'no-such-job'], now: T0 + 10 })).toBe(1)
    expect(await store.queue.replayDead({ ids: [d1!], now: T0 + 10 })).toBe(0)
    claims = await store.queue.claim(claimInput(T0 + 10))
    const line = claims.find((chat) => chat.chatId === 'd')!.jobs
    expect(line.map((queued) => [queued.id, queued.attempts])).toEqual([
      [keep, 1],
      [d1, 0],
    ])
    expect(line[1]!.sequence).toBeGreaterThan(line[0]!.sequence)
    expect(line[1]).not.toHaveProperty('reason')
    expect(await store.queue.listDead()).toHaveLength(1)
    expect(await store.queue.replayDead({ now: T0 + 20 })).toBe(1)
    expect(await store.queue.listDead()).toEqual([])
  })

  it('moves the remaining jobs of a migrated chat, in order, behind the new chat’s own', async () => {
    const [g1, g2, g3] = await enqueue(store, T0, job('-100', 'g1'), job('-100', 'g2'), job('-100', 'g3'))
    await enqueue(store, T0, job('-1009', 's1'))
    const claims = await store.queue.claim(claimInput(T0, { maxJobsPerChat: 1 }))
    const group = claims.find((chat) => chat.chatId === '-100')!
    expect(group.jobs.map((queued) => queued.id)).toEqual([g1])
    const superClaim = claims.find((chat) => chat.chatId === '-1009')!
    await store.queue.settle('-100', group.claimToken, { movedTo: '-1009', now: T0 })
    expect(await store.queue.claim(claimInput(T0))).toEqual([])
    await store.queue.settle('-1009', superClaim.claimToken, { done: [superClaim.jobs[0]!.id], now: T0 })
    const [moved] = await store.queue.claim(claimInput(T0))
    expect(moved!.chatId).toBe('-1009')
    expect(moved!.jobs.map((queued) => [queued.id, queued.chatId])).toEqual([
      [g1, '-1009'],
      [g2, '-1009'],
      [g3, '-1009'],
    ])
  })

  it('reports pending, claimed, dead and the age of the oldest waiting job', async () => {
    expect(await store.queue.stats(T0)).toEqual({ pending: 0, claimed: 0, dead: 0, oldestPendingAgeMs: null })
    await enqueue(store, T0, job('s', 's1'), job('s', 's2'))
    await enqueue(store, T0 + 100, job('t', 't1'))
    expect(await store.queue.stats(T0 + 1000)).toEqual({
      pending: 3,
      claimed: 0,
      dead: 0,
      oldestPendingAgeMs: 1000,
    })
    await store.queue.claim(claimInput(T0 + 1000, { maxChats: 1, leaseMs: 500 }))
    // Chat s holds the oldest jobs and is claimed: the oldest waiting one is now t1.
    expect(await store.queue.stats(T0 + 1000)).toEqual({
      pending: 1,
      claimed: 2,
      dead: 0,
      oldestPendingAgeMs: 900,
    })
    // Once the claim lease runs out its jobs count as waiting again.
    expect(await store.queue.stats(T0 + 1500)).toEqual({
      pending: 3,
      claimed: 0,
      dead: 0,
      oldestPendingAgeMs: 1500,
    })
  })

  it('leaves no per-job or per-chat keys behind once everything is delivered', async () => {
    const ids = await enqueue(store, T0, job('k1', 'a'), job('k2', 'b'), job('k1', 'c'))
    for (const chat of await store.queue.claim(claimInput(T0))) {
      await store.queue.settle(chat.chatId, chat.claimToken, {
        done: chat.jobs.map((queued) => queued.id),
        now: T0,
      })
    }
    expect(ids).toHaveLength(3)
    const admin = await fixture.admin()
    const keys = (await keysUnder(admin, fixture.prefix)).map((key) => key.slice(fixture.prefix.length))
    expect(keys.filter((key) => !key.startsWith('dk:'))).toEqual(['seq'])
  })
})
