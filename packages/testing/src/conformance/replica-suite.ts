/**
 * The multi-replica suite every shared {@link KeygramStore} runs: several stores on the same data, racing
 * each other the way replicas of a deployment do.
 *
 * @module
 */
import {
  type ClaimedChat,
  type ClaimInput,
  createDigestScheduler,
  createStockAlerter,
  type DigestRunResult,
  type KeygramStore,
  type NewJob,
  type StockOfferState,
  stockStateKey,
} from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { job } from './jobs.ts'

/** What a {@link ReplicaFactory} call returns: one fresh, empty data space and a way to reach it. */
export interface ReplicaSet {
  /**
   * Opens another store on this set's data with its OWN connection (pool, client, file handle), as another
   * replica would. The suite may close a store it opened and then call `open` again to play a restart.
   */
  open: () => KeygramStore | Promise<KeygramStore>
  /**
   * Closes every store `open` returned (some may already be closed: close must be idempotent) and deletes
   * the data (prefix, schema, file). Runs after each test.
   */
  cleanup: () => Promise<void>
}

/**
 * Gives a NEW, empty data space per call (a fresh Redis prefix, PostgreSQL schema, SQLite file), so every
 * test of the suite starts from an empty queue and its counts are its own.
 */
export type ReplicaFactory = () => ReplicaSet | Promise<ReplicaSet>

const T0 = 1_767_225_600_000

/** A small deterministic PRNG, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

/** Claim input with generous defaults. */
function claimInput(now: number, overrides: Partial<Omit<ClaimInput, 'now'>> = {}): ClaimInput {
  return { workerId: 'w1', now, leaseMs: 30_000, maxChats: 10, maxJobsPerChat: 10, ...overrides }
}

/** Enqueues `jobs` under a fresh delivery key. */
async function enqueue(store: KeygramStore, now: number, ...jobs: NewJob[]): Promise<string[]> {
  const result = await store.queue.enqueue({
    deliveryKey: crypto.randomUUID(),
    dedupeTtlMs: 60_000,
    jobs,
    now,
  })
  return result.jobIds
}

/** Claims and settles everything due, returning the texts in the order they were handed out. */
async function drainTexts(store: KeygramStore): Promise<string[]> {
  const texts: string[] = []
  for (;;) {
    const claims = await store.queue.claim({
      workerId: 't',
      now: Date.now() + 60_000,
      leaseMs: 60_000,
      maxChats: 50,
      maxJobsPerChat: 500,
    })
    if (claims.length === 0) return texts
    for (const claim of claims) {
      texts.push(...claim.jobs.map((queued) => queued.message.text))
      await store.queue.settle(claim.chatId, claim.claimToken, {
        done: claim.jobs.map((queued) => queued.id),
        now: Date.now(),
      })
    }
  }
}

/**
 * Registers the multi-replica suite (vitest `describe`/`it`) for a store meant to be shared by several
 * processes: exclusive claims and stale-settle fencing over many randomized rounds with takeovers,
 * concurrent producers and workers (every job once, each chat in order), a restart of every replica, dead
 * letters replayed once by racing replicas, render requests read on another replica, stock crossings
 * announced once by racing alerters, a 10 000-row stock import, and one digest per run from racing
 * schedulers. No assertion depends on timing.
 *
 * @param name - shown in the suite title, e.g. `'redis'`.
 * @param factory - called before each test for a fresh data space; see {@link ReplicaFactory}.
 */
export function testStoreReplicas(name: string, factory: ReplicaFactory): void {
  describe(`KeygramStore across replicas: ${name}`, () => {
    let replicaSet: ReplicaSet | undefined

    beforeEach(async () => {
      replicaSet = await factory()
    })
    afterEach(async () => {
      await replicaSet?.cleanup()
      replicaSet = undefined
    })

    const open = async (): Promise<KeygramStore> => replicaSet!.open()
    const openMany = (count: number): Promise<KeygramStore[]> =>
      Promise.all(Array.from({ length: count }, () => open()))

    describe('queue', () => {
      it('never hands one chat to two live claims over many rounds of concurrent claims, takeovers included', async () => {
        const replicas = await openMany(2)
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
              expect((await replica.queue.settle(chatId, claim.claimToken, { done, now: now + 1 })).ok).toBe(
                true,
              )
              for (const id of done) doneCount.set(id, (doneCount.get(id) ?? 0) + 1)
              held.delete(chatId)
            }
          }
        }

        // Finish: far enough ahead that every stalled claim has expired.
        const end = T0 + 1_000_000
        for (;;) {
          const claims = await replicas[0]!.queue.claim(
            claimInput(end, { maxChats: 100, maxJobsPerChat: 100 }),
          )
          if (claims.length === 0) break
          for (const claim of claims) {
            const done = claim.jobs.map((queued) => queued.id)
            expect(
              (await replicas[0]!.queue.settle(claim.chatId, claim.claimToken, { done, now: end })).ok,
            ).toBe(true)
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
        const producers = await openMany(3)
        const workers = await openMany(3)
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
              // A short pause so idle workers yield to the producers; no assertion depends on it.
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
        const first = await open()
        await enqueue(first, T0, job('a', 'a1'), job('b', 'b1'))
        const [claimed] = await first.queue.claim(claimInput(T0, { maxChats: 1, leaseMs: 10_000 }))
        const lease = await first.guard.acquire({ name: 'poller', ttl: 10_000 })
        await lease!.release()
        await first.close()

        const second = await open()
        // The claim made before the restart still holds its chat; the other chat is free.
        const claims = await second.queue.claim(claimInput(T0 + 1))
        expect(claims.map((claim) => claim.chatId)).toEqual([claimed!.chatId === 'a' ? 'b' : 'a'])
        expect((await second.queue.settle(claimed!.chatId, claimed!.claimToken, { now: T0 + 2 })).ok).toBe(
          true,
        )
        const next = await second.guard.acquire({ name: 'poller', ttl: 10_000 })
        expect(next!.fencingToken).toBeGreaterThan(lease!.fencingToken)
        await next!.release()
      })

      it('replays dead letters exactly once when two replicas replay at once', async () => {
        const [a, b] = (await openMany(2)) as [KeygramStore, KeygramStore]
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

      it('keeps the render request and summary item with the job, on another replica too, and in dead letters', async () => {
        const renderJob: NewJob = {
          ...job('-100', 'order.change_order_status #7'),
          summary: {
            locale: 'uk',
            kind: 'order_status',
            id: 7,
            to: 'Відправлено "<b>"',
            groupId: 4,
            total: 1.5,
            currency: 'UAH',
          },
          render: {
            webhook: {
              event: 'order.change_order_status',
              context: { id: 7, status_id: 4, tags: [], note: 'Київ "<b>"' },
            },
            locale: 'en',
            disableNotification: true,
          },
        }
        const store = await open()
        // A job rendered at accept time carries its summary item without a render request.
        const readyJob: NewJob = {
          ...job('-100', 'ready'),
          summary: { locale: 'en', kind: 'lead_status', id: 8, to: 'Won' },
        }
        await enqueue(store, T0, renderJob, readyJob)
        const replica = await open()
        const [claim] = await replica.queue.claim(claimInput(T0))
        expect(claim!.jobs[0]!.render).toEqual(renderJob.render)
        expect(claim!.jobs[0]!.summary).toEqual(renderJob.summary)
        expect(claim!.jobs[0]!.message).toEqual(renderJob.message)
        expect(claim!.jobs[1]!.render).toBeUndefined()
        expect(claim!.jobs[1]!.summary).toEqual(readyJob.summary)
        expect(claim!.jobs[1]!.message.text).toBe('ready')
        await replica.queue.settle('-100', claim!.claimToken, {
          dead: [{ id: claim!.jobs[0]!.id, reason: 'forbidden', error: 'blocked' }],
          done: [claim!.jobs[1]!.id],
          now: T0,
        })
        for (const reader of [store, replica]) {
          const [dead] = await reader.queue.listDead()
          expect(dead!.render).toEqual(renderJob.render)
          expect(dead!.summary).toEqual(renderJob.summary)
        }
      })
    })

    describe('stock alerts', () => {
      it('three replicas racing waves of webhooks for the same offers announce every crossing exactly once', async () => {
        const replicas = await openMany(3)
        const rules = [{ low: 5, hysteresis: 2, chats: [{ chatId: '-100321' }] }]
        const alerters = replicas.map((store) => createStockAlerter({ store, rules, locale: 'en' }))
        // Levels swing across the band so most webhooks cross; in_reserve makes every body distinct.
        const webhooks = Array.from({ length: 60 }, (_, index) =>
          [1, 2].map((offer) => ({
            offer_id: offer,
            sku: `r-${offer}`,
            in_stock: (index * (offer + 3)) % 13 === 0 ? 20 + index : ((index * 7 + offer) % 11) + index,
            in_reserve: index,
          })),
        )
        // Six waves of ten concurrent webhooks: races inside a wave, crossings from wave to wave.
        const results = []
        for (let wave = 0; wave < 6; wave++) {
          const batch = webhooks.slice(wave * 10, wave * 10 + 10)
          results.push(...(await Promise.all(batch.map((rows, index) => alerters[index % 3]!.accept(rows)))))
        }
        const texts = await drainTexts(replicas[0]!)
        const lines = texts.flatMap((text) => text.split('\n').slice(1))
        for (const offer of [1, 2]) {
          const state = await replicas[1]!.kv.get<StockOfferState>(stockStateKey(offer))
          const seq = state?.bands['5/2']?.seq ?? 0
          const mine = lines.filter((line) => line.includes(`<code>r-${offer}</code>`))
          expect(mine).toHaveLength(seq)
          expect(mine.filter((line) => line.startsWith('✅'))).toHaveLength(Math.floor(seq / 2))
          expect(state?.bands['5/2']?.low).toBe(seq % 2 === 1)
        }
        const announced = results.reduce((sum, result) => sum + result.crossings, 0)
        expect(announced).toBe(lines.length)
        expect(announced).toBeGreaterThan(8)
      })

      it('accepts a 10 000-row import and coalesces its alerts', async () => {
        const store = await open()
        const alerter = createStockAlerter({ store, rules: [{ low: 3, chats: [{ chatId: '-100654' }] }] })
        const rows = Array.from({ length: 10_000 }, (_, index) => ({
          offer_id: index + 1,
          sku: `big-${index}`,
          in_stock: index % 10 === 0 ? 2 : 40,
          in_reserve: 0,
        }))
        // Its speed is measured in bench/, not here: no timed assertions in tests.
        const result = await alerter.accept(rows)
        expect(result).toMatchObject({ status: 'queued', crossings: 1000 })
        expect(result.jobs).toBeLessThanOrEqual(5)
        expect(await drainTexts(store)).toHaveLength(result.jobs)
      })
    })

    describe('digests', () => {
      it('five replicas racing the same run queue exactly one digest, with the events all of them recorded', async () => {
        const replicas = await openMany(5)
        const scheduledAt = Date.parse('2026-01-29T07:00:00Z')
        // Each replica accepted some of yesterday's webhooks.
        for (const [index, store] of replicas.entries()) {
          await store.events.append({
            deliveryKey: `order.change_order_status:${index}`,
            at: Date.parse('2026-01-28T10:00:00Z') + index,
            kind: 'order_status',
            event: 'order.change_order_status',
            entityId: 100 + index,
            statusId: 1,
            statusGroupId: 1,
            paymentStatus: 'paid',
            grandTotal: 1000,
            sourceId: null,
            managerId: null,
            createdAt: null,
            statusChangedAt: null,
          })
        }
        const results: DigestRunResult[] = await Promise.all(
          replicas.map((store) =>
            createDigestScheduler({ store, schedules: [{ chatId: '-100777', locale: 'en' }] }).runNow(
              0,
              scheduledAt,
            ),
          ),
        )
        expect(results.filter((result) => result.status === 'queued')).toHaveLength(1)
        expect(
          results.every((result) => result.stats.newOrders === 5 && result.stats.newOrdersTotal === 5000),
        ).toBe(true)
        const claims = await replicas[0]!.queue.claim({
          workerId: 't',
          now: Date.now() + 1,
          leaseMs: 1000,
          maxChats: 10,
          maxJobsPerChat: 10,
        })
        const jobs = claims.flatMap((claim) => claim.jobs)
        expect(jobs.map((queued) => queued.deliveryKey)).toEqual(['digest:-100777:2026-01-28'])
        expect(jobs[0]?.message.text).toContain('New orders: <b>5</b>')
      })
    })
  })
}
