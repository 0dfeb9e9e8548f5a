import type { ClaimedChat, KeygramStore } from '@keygram/core'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { postgresStore } from '../src/index.ts'
import { claimInput, enqueue, job, POSTGRES_URL, postgresFixture } from './helpers.ts'

const T0 = 1_767_225_600_000

/** A small deterministic PRNG, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

describe('postgresStore across replicas', () => {
  let fixture: ReturnType<typeof postgresFixture>

  beforeEach(() => {
    fixture = postgresFixture()
  })
  afterEach(() => fixture.cleanup())

  it('never hands one chat to two live claims over many rounds of concurrent claims, takeovers included', async () => {
    const replicas = [fixture.open(), fixture.open()]
    const random = prng(20_260_101)
    const chats = Array.from({ length: 12 }, (_, index) => `-100${index}`)
    type Held = { claim: ClaimedChat; until: number; replica: KeygramStore }
    const held = new Map<string, Held>()
    const enqueued = new Set<string>()
    const doneCount = new Map<string, number>()
    let takeovers = 0
    let staleRejected = 0

    for (let round = 0; round < 150; round++) {
      const now = T0 + round * 100
      const jobs = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, index) =>
        job(chats[Math.floor(random() * chats.length)]!, `${round}.${index}`),
      )
      for (const id of await enqueue(replicas[round % 2]!, now, ...jobs)) enqueued.add(id)

      const leaseMs = 50 + Math.floor(random() * 400)
      const rounds = await Promise.all(
        replicas.map((replica, index) =>
          replica.queue.claim(
            claimInput(now, { workerId: `w${index}`, leaseMs, maxChats: 4, maxJobsPerChat: 3 }),
          ),
        ),
      )
      const granted = rounds.flatMap((claims, index) =>
        claims.map((claim) => ({ claim, replica: replicas[index]! })),
      )
      expect(new Set(granted.map(({ claim }) => claim.chatId)).size).toBe(granted.length)

      for (const { claim, replica } of granted) {
        const previous = held.get(claim.chatId)
        if (previous) {
          // Only an expired claim may be taken over, and its holder's settle must then be refused.
          expect(previous.until).toBeLessThanOrEqual(now)
          takeovers++
          const stale = await previous.replica.queue.settle(claim.chatId, previous.claim.claimToken, {
            done: previous.claim.jobs.map((queued) => queued.id),
            now,
          })
          expect(stale.ok).toBe(false)
          staleRejected++
        }
        held.set(claim.chatId, { claim, until: now + leaseMs, replica })
      }

      // Holders settle most claims; some stall (a dead worker) and are left to expire.
      for (const [chatId, { claim, replica }] of [...held]) {
        if (random() < 0.55) {
          const done = claim.jobs.map((queued) => queued.id)
          expect((await replica.queue.settle(chatId, claim.claimToken, { done, now: now + 1 })).ok).toBe(true)
          for (const id of done) doneCount.set(id, (doneCount.get(id) ?? 0) + 1)
          held.delete(chatId)
        }
      }
    }

    // Finish: far enough ahead that every stalled claim has expired.
    const end = T0 + 1_000_000
    for (;;) {
      const claims = await replicas[0]!.queue.claim(claimInput(end, { maxChats: 100, maxJobsPerChat: 100 }))
      if (claims.length === 0) break
      for (const claim of claims) {
        const done = claim.jobs.map((queued) => queued.id)
        expect((await replicas[0]!.queue.settle(claim.chatId, claim.claimToken, { done, now: end })).ok).toBe(
          true,
        )
        for (const id of done) doneCount.set(id, (doneCount.get(id) ?? 0) + 1)
      }
    }
    expect(takeovers).toBeGreaterThan(0)
    expect(staleRejected).toBe(takeovers)
    // Every job was settled as delivered exactly once.
    expect([...doneCount.values()].every((count) => count === 1)).toBe(true)
    expect(new Set(doneCount.keys())).toEqual(enqueued)
    expect(await replicas[1]!.queue.stats(end)).toEqual({
      pending: 0,
      claimed: 0,
      dead: 0,
      oldestPendingAgeMs: null,
    })
  })

  it('three replicas draining while three others enqueue concurrently: every job once, each chat in order', async () => {
    const producers = [fixture.open(), fixture.open(), fixture.open()]
    const workers = [fixture.open(), fixture.open(), fixture.open()]
    const chats = Array.from({ length: 6 }, (_, index) => `-200${index}`)
    // Each producer owns two chats, so every chat's enqueue order is well defined.
    const enqueued = new Map<string, string[]>(chats.map((chat) => [chat, []]))
    const delivered = new Map<string, string[]>(chats.map((chat) => [chat, []]))
    const handedOut = new Map<string, number>()
    let producing = producers.length

    const produce = async (store: KeygramStore, mine: string[]) => {
      for (let delivery = 0; delivery < 60; delivery++) {
        const targets = [mine[delivery % 2]!, mine[(delivery + 1) % 2]!].slice(0, 1 + (delivery % 2))
        const ids = await enqueue(store, Date.now(), ...targets.map((chat) => job(chat, `${delivery}`)))
        for (const [index, id] of ids.entries()) enqueued.get(targets[index]!)!.push(id)
      }
      producing--
    }

    const work = async (store: KeygramStore, workerId: string) => {
      for (let idle = 0; idle < 40; ) {
        const claims = await store.queue.claim({
          workerId,
          now: Date.now(),
          leaseMs: 60_000,
          maxChats: 2,
          maxJobsPerChat: 5,
        })
        if (claims.length === 0) {
          if (producing === 0) idle++
          await new Promise((resolve) => setTimeout(resolve, 2))
          continue
        }
        idle = 0
        for (const claimed of claims) {
          for (const queued of claimed.jobs) {
            handedOut.set(queued.id, (handedOut.get(queued.id) ?? 0) + 1)
            delivered.get(claimed.chatId)!.push(queued.id)
          }
          const done = claimed.jobs.map((queued) => queued.id)
          const settled = await store.queue.settle(claimed.chatId, claimed.claimToken, {
            done,
            now: Date.now(),
          })
          expect(settled.ok).toBe(true)
        }
      }
    }

    await Promise.all([
      ...producers.map((store, index) => produce(store, chats.slice(index * 2, index * 2 + 2))),
      ...workers.map((store, index) => work(store, `worker-${index}`)),
    ])
    expect([...handedOut.values()].filter((count) => count !== 1)).toEqual([])
    for (const chat of chats) expect(delivered.get(chat), chat).toEqual(enqueued.get(chat))
    expect((await workers[0]!.queue.stats(Date.now())).pending).toBe(0)
  })

  it('keeps queue, live claims and fencing across a restart of every replica', async () => {
    const first = fixture.open()
    await enqueue(first, T0, job('a', 'a1'), job('b', 'b1'))
    const [claimed] = await first.queue.claim(claimInput(T0, { maxChats: 1, leaseMs: 10_000 }))
    const lease = await first.guard.acquire({ name: 'poller', ttl: 10_000 })
    await lease!.release()
    await first.close()

    const second = fixture.open()
    // The claim made before the restart still holds its chat; the other chat is free.
    const claims = await second.queue.claim(claimInput(T0 + 1))
    expect(claims.map((claim) => claim.chatId)).toEqual([claimed!.chatId === 'a' ? 'b' : 'a'])
    expect((await second.queue.settle(claimed!.chatId, claimed!.claimToken, { now: T0 + 2 })).ok).toBe(true)
    const next = await second.guard.acquire({ name: 'poller', ttl: 10_000 })
    expect(next!.fencingToken).toBeGreaterThan(lease!.fencingToken)
    await next!.release()
  })

  it('ends the pool it opened, and leaves a given pool open', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
    try {
      const borrowed = postgresStore({ pool, schema: fixture.schema })
      await borrowed.ping()
      await borrowed.close()
      await borrowed.close()
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await expect(borrowed.ping()).rejects.toThrow(/closed/)
    } finally {
      await pool.end()
    }

    const owning = postgresStore({ url: POSTGRES_URL, schema: fixture.schema })
    await owning.ping()
    await owning.close()
    await owning.close()
    await expect(owning.ping()).rejects.toThrow(/closed/)
  })

  it('replays dead letters exactly once when two replicas replay at once', async () => {
    const [a, b] = [fixture.open(), fixture.open()]
    const ids = await enqueue(
      a,
      T0,
      ...Array.from({ length: 30 }, (_, index) => job(`-300${index % 3}`, `${index}`)),
    )
    for (const claim of await a.queue.claim(claimInput(T0, { maxJobsPerChat: 100 }))) {
      await a.queue.settle(claim.chatId, claim.claimToken, {
        dead: claim.jobs.map((queued) => ({ id: queued.id, reason: 'forbidden', error: 'Forbidden' })),
        now: T0 + 1,
      })
    }
    expect((await a.queue.stats(T0 + 2)).dead).toBe(ids.length)
    const replayed = await Promise.all([
      a.queue.replayDead({ now: T0 + 3 }),
      b.queue.replayDead({ now: T0 + 3 }),
    ])
    expect(replayed[0]! + replayed[1]!).toBe(ids.length)
    expect(await b.queue.stats(T0 + 4)).toMatchObject({ pending: ids.length, dead: 0 })
  })
})
