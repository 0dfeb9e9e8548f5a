import type { ClaimedChat, KeygramStore } from '@keygram/core'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.ts'
import {
  claimInput,
  connect,
  deletePrefix,
  enqueue,
  job,
  keysUnder,
  REDIS_URL,
  redisFixture,
} from './helpers.ts'

const T0 = 1_767_225_600_000

/** A small deterministic PRNG, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

describe('redisStore across replicas', () => {
  let fixture: ReturnType<typeof redisFixture>

  beforeEach(() => {
    fixture = redisFixture()
  })
  afterEach(() => fixture.cleanup())

  it('never hands one chat to two live claims over many rounds of concurrent claims, takeovers included', async () => {
    const replicas = [await fixture.open(), await fixture.open()]
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
        const roll = random()
        if (roll < 0.55) {
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

  it('keeps queue, live claims and fencing across a restart of every replica', async () => {
    const first = redisStore({ url: REDIS_URL, prefix: fixture.prefix })
    await enqueue(first, T0, job('a', 'a1'), job('b', 'b1'))
    const [claimed] = await first.queue.claim(claimInput(T0, { maxChats: 1, leaseMs: 10_000 }))
    const lease = await first.guard.acquire({ name: 'poller', ttl: 10_000 })
    await lease!.release()
    await first.close()

    const second = redisStore({ url: REDIS_URL, prefix: fixture.prefix })
    try {
      // The claim made before the restart still holds its chat; the other chat is free.
      const claims = await second.queue.claim(claimInput(T0 + 1))
      expect(claims.map((claim) => claim.chatId)).toEqual([claimed!.chatId === 'a' ? 'b' : 'a'])
      expect((await second.queue.settle(claimed!.chatId, claimed!.claimToken, { now: T0 + 2 })).ok).toBe(true)
      const next = await second.guard.acquire({ name: 'poller', ttl: 10_000 })
      expect(next!.fencingToken).toBeGreaterThan(lease!.fencingToken)
      await next!.release()
    } finally {
      await second.close()
    }
  })

  it('closes the connection it opened, and leaves a given client open', async () => {
    const client = await connect()
    const borrowed = redisStore({ client, prefix: fixture.prefix })
    await borrowed.ping()
    await borrowed.close()
    await borrowed.close()
    expect(await client.ping()).toBe('PONG')
    await client.quit()

    const owning = redisStore({ url: REDIS_URL, prefix: fixture.prefix })
    await owning.ping()
    await owning.close()
    await owning.close()
    await expect(owning.ping()).rejects.toThrow(/did not answer PING/)
  })

  it('applies a client keyPrefix to every key, queue scripts included', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: `${fixture.prefix}outer:` })
    const store = redisStore({ client, prefix: 'inner:' })
    try {
      await enqueue(store, T0, job('c', 'c1'))
      await store.kv.set('k', 1)
      const lease = await store.guard.acquire({ name: 'g', ttl: 10_000 })
      const admin = await fixture.admin()
      const keys = await keysUnder(admin, fixture.prefix)
      expect(keys.length).toBeGreaterThan(5)
      expect(keys.every((key) => key.startsWith(`${fixture.prefix}outer:inner:`))).toBe(true)
      expect(keys).toContain(`${fixture.prefix}outer:inner:kv:k`)
      expect(await store.kv.get('k')).toBe(1)
      await lease!.release()
    } finally {
      await client.quit()
    }
  })

  it('fails ping with a clear error that hides the password when Redis cannot be reached', async () => {
    const store = redisStore({ url: 'redis://:s3cret-pass@127.0.0.1:1', prefix: fixture.prefix })
    try {
      const error = await store.ping().then(
        () => null,
        (caught: unknown) => caught as Error,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error!.message).toMatch(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/? did not answer PING/)
      expect(error!.message).toContain('ECONNREFUSED')
      expect(error!.message).not.toContain('s3cret')
    } finally {
      await store.close()
    }
  })

  it('cleans up with SCAN + DEL: nothing is left under the prefix', async () => {
    const store = await fixture.open()
    await enqueue(store, T0, job('z', 'z1'))
    await store.kv.set('x', 1)
    const admin = await connect()
    try {
      expect((await keysUnder(admin, fixture.prefix)).length).toBeGreaterThan(0)
      expect(await deletePrefix(admin, fixture.prefix)).toBeGreaterThan(0)
      expect(await keysUnder(admin, fixture.prefix)).toEqual([])
    } finally {
      await admin.quit()
    }
  })
})
