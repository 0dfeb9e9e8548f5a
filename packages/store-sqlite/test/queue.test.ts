import type { KeygramStore } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimInput, job, storeFixture } from './helpers.ts'

let fixture: ReturnType<typeof storeFixture>
let store: KeygramStore
beforeEach(() => {
  fixture = storeFixture()
  store = fixture.open()
})
afterEach(async () => {
  await fixture.cleanup()
})

const texts = (jobs: { message: { text: string } }[]) => jobs.map((j) => j.message.text)

describe('sqlite queue: enqueue and dedupe', () => {
  it('accepts a delivery key once within its TTL and again after it expires', async () => {
    const first = await store.queue.enqueue({
      deliveryKey: 'd',
      dedupeTtlMs: 1_000,
      jobs: [job('1', 'a')],
      now: 0,
    })
    const again = await store.queue.enqueue({
      deliveryKey: 'd',
      dedupeTtlMs: 1_000,
      jobs: [job('1', 'b')],
      now: 999,
    })
    const later = await store.queue.enqueue({
      deliveryKey: 'd',
      dedupeTtlMs: 1_000,
      jobs: [job('1', 'c')],
      now: 1_000,
    })
    expect(first.accepted).toBe(true)
    expect(first.jobIds).toHaveLength(1)
    expect(again).toEqual({ accepted: false, jobIds: [] })
    expect(later.accepted).toBe(true)
    const [chat] = await store.queue.claim(claimInput(2_000))
    expect(texts(chat!.jobs)).toEqual(['a', 'c'])
  })

  it('remembers a delivery with no jobs', async () => {
    expect(
      (await store.queue.enqueue({ deliveryKey: 'e', dedupeTtlMs: 1_000, jobs: [], now: 0 })).accepted,
    ).toBe(true)
    expect(
      (await store.queue.enqueue({ deliveryKey: 'e', dedupeTtlMs: 1_000, jobs: [], now: 1 })).accepted,
    ).toBe(false)
  })

  it('accepts exactly one of many concurrent enqueues of one key from two connections', async () => {
    const other = fixture.open()
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : store).queue.enqueue({
          deliveryKey: 'same',
          dedupeTtlMs: 60_000,
          jobs: [job('1', `t${i}`)],
          now: 0,
        }),
      ),
    )
    expect(results.filter((r) => r.accepted)).toHaveLength(1)
    expect((await store.queue.stats(0)).pending).toBe(1)
  })

  it('assigns strictly increasing sequences and stores every field', async () => {
    const { jobIds } = await store.queue.enqueue({
      deliveryKey: 'k',
      dedupeTtlMs: 1_000,
      jobs: [job('1', 'a'), job('1', 'b', 42)],
      now: 500,
    })
    const [chat] = await store.queue.claim(claimInput(500))
    expect(chat!.jobs[0]!.sequence).toBeLessThan(chat!.jobs[1]!.sequence)
    expect(chat!.jobs[1]).toEqual({
      id: jobIds[1],
      chatId: '1',
      threadId: 42,
      message: { text: 'b', parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
      summaryLine: 'b',
      deliveryKey: 'k',
      sequence: chat!.jobs[1]!.sequence,
      attempts: 0,
      notBefore: 500,
      createdAt: 500,
      lastError: null,
    })
  })
})

describe('sqlite queue: claim', () => {
  it('claims the oldest-waiting chats first, at most maxChats, head run of at most maxJobsPerChat', async () => {
    await store.queue.enqueue({ deliveryKey: '1', dedupeTtlMs: 1e6, jobs: [job('B', 'b1')], now: 10 })
    await store.queue.enqueue({
      deliveryKey: '2',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1'), job('A', 'a2')],
      now: 20,
    })
    await store.queue.enqueue({
      deliveryKey: '3',
      dedupeTtlMs: 1e6,
      jobs: [job('C', 'c1'), job('A', 'a3')],
      now: 30,
    })
    const claimed = await store.queue.claim(claimInput(100, { maxChats: 2, maxJobsPerChat: 2 }))
    expect(claimed.map((c) => [c.chatId, texts(c.jobs)])).toEqual([
      ['B', ['b1']],
      ['A', ['a1', 'a2']],
    ])
    const rest = await store.queue.claim(claimInput(100))
    expect(rest.map((c) => [c.chatId, texts(c.jobs)])).toEqual([['C', ['c1']]])
    expect(await store.queue.claim(claimInput(100))).toEqual([])
  })

  it('never claims a chat under a live claim; takes it over once the claim expired (worker died)', async () => {
    await store.queue.enqueue({ deliveryKey: '1', dedupeTtlMs: 1e6, jobs: [job('A', 'a1')], now: 0 })
    const [first] = await store.queue.claim(claimInput(0, { leaseMs: 1_000 }))
    expect(await store.queue.claim(claimInput(999, { workerId: 'w2' }))).toEqual([])
    const [second] = await store.queue.claim(claimInput(1_000, { workerId: 'w2' }))
    expect(second!.claimToken).not.toBe(first!.claimToken)
    expect(texts(second!.jobs)).toEqual(['a1'])
    // The dead worker's late settle is ignored and the job stays for the new holder.
    expect(
      await store.queue.settle('A', first!.claimToken, { done: [first!.jobs[0]!.id], now: 1_001 }),
    ).toEqual({
      ok: false,
    })
    expect((await store.queue.stats(1_001)).claimed).toBe(1)
    expect(
      await store.queue.settle('A', second!.claimToken, { done: [second!.jobs[0]!.id], now: 1_002 }),
    ).toEqual({
      ok: true,
    })
    expect(await store.queue.stats(1_002)).toMatchObject({ pending: 0, claimed: 0 })
  })

  it('a head backing off blocks its chat line; the run stops at the first job not due', async () => {
    const { jobIds } = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1'), job('A', 'a2'), job('A', 'a3')],
      now: 0,
    })
    const [claim] = await store.queue.claim(claimInput(0))
    await store.queue.settle('A', claim!.claimToken, {
      retry: [{ id: jobIds[0]!, notBefore: 5_000, error: '502 Bad Gateway' }],
      now: 1,
    })
    expect(await store.queue.claim(claimInput(4_999))).toEqual([])
    const [retry] = await store.queue.claim(claimInput(5_000))
    expect(texts(retry!.jobs)).toEqual(['a1', 'a2', 'a3'])
    expect(retry!.jobs[0]).toMatchObject({ attempts: 1, lastError: '502 Bad Gateway', notBefore: 5_000 })

    // A second job backing off behind a due head cuts the run at itself.
    await store.queue.settle('A', retry!.claimToken, {
      done: [jobIds[0]!],
      retry: [{ id: jobIds[2]!, notBefore: 9_000, error: 'timeout' }],
      now: 5_001,
    })
    const [cut] = await store.queue.claim(claimInput(6_000))
    expect(texts(cut!.jobs)).toEqual(['a2'])
  })

  it('respects the chat notBefore set by settle', async () => {
    const { jobIds } = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1'), job('A', 'a2')],
      now: 0,
    })
    const [claim] = await store.queue.claim(claimInput(0))
    await store.queue.settle('A', claim!.claimToken, { done: [jobIds[0]!], chatNotBefore: 3_000, now: 10 })
    expect(await store.queue.claim(claimInput(2_999))).toEqual([])
    // The pause outlives an empty line: a new job for the chat still waits for it.
    const [next] = await store.queue.claim(claimInput(3_000))
    expect(texts(next!.jobs)).toEqual(['a2'])
  })

  it('two connections claiming concurrently never get the same chat', async () => {
    const other = fixture.open()
    const chats = Array.from({ length: 30 }, (_, i) => `chat-${i}`)
    await store.queue.enqueue({
      deliveryKey: 'all',
      dedupeTtlMs: 1e6,
      jobs: chats.map((c) => job(c, c)),
      now: 0,
    })
    const rounds = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? other : store).queue.claim(claimInput(1, { workerId: `w${i}`, maxChats: 4 })),
      ),
    )
    const claimedChats = rounds.flat().map((c) => c.chatId)
    expect(new Set(claimedChats).size).toBe(claimedChats.length)
    expect(claimedChats.sort()).toEqual([...chats].sort())
  })
})

describe('sqlite queue: settle', () => {
  it('moves the remaining line after the target chat jobs, in order, and releases the claim', async () => {
    const { jobIds } = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('old', 'o1'), job('new', 'n1'), job('old', 'o2'), job('old', 'o3')],
      now: 0,
    })
    const [oldChat] = await store.queue.claim(claimInput(0, { maxChats: 1 }))
    expect(oldChat!.chatId).toBe('old')
    const result = await store.queue.settle('old', oldChat!.claimToken, {
      done: [jobIds[0]!],
      movedTo: 'new',
      now: 1,
    })
    expect(result.ok).toBe(true)
    expect(await store.queue.claim(claimInput(2, { maxChats: 5 }))).toEqual([
      expect.objectContaining({ chatId: 'new' }),
    ])
    const [newChat] = await store.queue.claim(claimInput(100_000, { maxChats: 5, leaseMs: 1 }))
    expect(newChat?.chatId).toBe('new')
    expect(texts(newChat!.jobs)).toEqual(['n1', 'o2', 'o3'])
    expect(newChat!.jobs.every((j) => j.chatId === 'new')).toBe(true)
  })

  it('ignores jobs of other chats and an unknown chat', async () => {
    const a = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1')],
      now: 0,
    })
    await store.queue.enqueue({ deliveryKey: '2', dedupeTtlMs: 1e6, jobs: [job('B', 'b1')], now: 0 })
    const claims = await store.queue.claim(claimInput(0))
    const b = claims.find((c) => c.chatId === 'B')!
    await store.queue.settle('B', b.claimToken, { done: [a.jobIds[0]!], now: 1 })
    expect((await store.queue.stats(1)).pending + (await store.queue.stats(1)).claimed).toBe(2)
    expect(await store.queue.settle('nope', 'token', { now: 1 })).toEqual({ ok: false })
  })
})

describe('sqlite queue: claim scope and fairness', () => {
  it('a settle only touches the jobs of its claim, not ones enqueued after it', async () => {
    const first = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1')],
      now: 0,
    })
    const [claim] = await store.queue.claim(claimInput(0))
    const late = await store.queue.enqueue({
      deliveryKey: '2',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a2')],
      now: 1,
    })
    await store.queue.settle('A', claim!.claimToken, {
      done: [first.jobIds[0]!, late.jobIds[0]!],
      dead: [{ id: late.jobIds[0]!, reason: 'forbidden', error: '403' }],
      now: 2,
    })
    const [next] = await store.queue.claim(claimInput(3))
    expect(next!.jobs.map((j) => [j.id, j.attempts])).toEqual([[late.jobIds[0], 0]])
    expect(await store.queue.listDead()).toEqual([])
  })

  it('a chat just served waits behind chats that waited longer', async () => {
    await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1'), job('A', 'a2'), job('B', 'b1')],
      now: 0,
    })
    const [a] = await store.queue.claim(claimInput(10, { maxChats: 1, maxJobsPerChat: 1 }))
    expect(a!.chatId).toBe('A')
    await store.queue.settle('A', a!.claimToken, { done: [a!.jobs[0]!.id], now: 20 })
    const order = await store.queue.claim(claimInput(30))
    expect(order.map((c) => c.chatId)).toEqual(['B', 'A'])
  })

  it('rejects a claim asking for no chats or no jobs', async () => {
    await expect(store.queue.claim(claimInput(0, { maxChats: 0 }))).rejects.toThrow(RangeError)
    await expect(store.queue.claim(claimInput(0, { maxJobsPerChat: 0 }))).rejects.toThrow(RangeError)
  })
})

describe('sqlite queue: dead letters and stats', () => {
  it('dead-letters, lists oldest first and replays at the end of the line with attempts reset', async () => {
    const { jobIds } = await store.queue.enqueue({
      deliveryKey: '1',
      dedupeTtlMs: 1e6,
      jobs: [job('A', 'a1'), job('A', 'a2'), job('B', 'b1')],
      now: 0,
    })
    const claims = await store.queue.claim(claimInput(0))
    const a = claims.find((c) => c.chatId === 'A')!
    const b = claims.find((c) => c.chatId === 'B')!
    await store.queue.settle('B', b.claimToken, {
      dead: [{ id: jobIds[2]!, reason: 'forbidden', error: '403' }],
      now: 5,
    })
    await store.queue.settle('A', a.claimToken, {
      dead: [{ id: jobIds[0]!, reason: 'retries_exhausted', error: '500' }],
      now: 7,
    })
    const dead = await store.queue.listDead()
    expect(dead.map((d) => [d.message.text, d.reason, d.deadAt, d.attempts, d.lastError])).toEqual([
      ['b1', 'forbidden', 5, 1, '403'],
      ['a1', 'retries_exhausted', 7, 1, '500'],
    ])
    expect(await store.queue.listDead({ limit: 1 })).toHaveLength(1)
    expect(await store.queue.stats(10)).toEqual({ pending: 1, claimed: 0, dead: 2, oldestPendingAgeMs: 10 })

    expect(await store.queue.replayDead({ ids: [jobIds[0]!, 'missing'], now: 20 })).toBe(1)
    const [replayed] = await store.queue.claim(claimInput(20, { maxChats: 1 }))
    expect(texts(replayed!.jobs)).toEqual(['a2', 'a1'])
    expect(replayed!.jobs[1]).toMatchObject({ attempts: 0, notBefore: 20, id: jobIds[0] })
    expect(await store.queue.stats(20)).toEqual({ pending: 0, claimed: 2, dead: 1, oldestPendingAgeMs: 20 })

    expect(await store.queue.replayDead({ now: 30 })).toBe(1)
    expect(await store.queue.listDead()).toEqual([])
  })

  it('reports an empty queue', async () => {
    expect(await store.queue.stats(0)).toEqual({ pending: 0, claimed: 0, dead: 0, oldestPendingAgeMs: null })
  })
})
