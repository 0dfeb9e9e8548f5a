/**
 * The conformance suite every {@link KeygramStore} implementation runs: queue, key-values and persistence.
 *
 * @module
 */
import {
  type ClaimedChat,
  type ClaimInput,
  cardKey,
  commitCardChange,
  type EventRecord,
  type KeygramStore,
  type NewJob,
  type QueuedJob,
  readCard,
} from '@keygram/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { describeWakeCases } from './wake-cases.ts'

/** What a {@link StoreFactory} call returns. */
export interface StoreHandle {
  store: KeygramStore
  /**
   * Opens the same data again as a restarted process would (new connection to the same file, prefix...).
   * The suite closes `store` before calling it and closes the store it returns. Omit it for stores that
   * keep nothing (memory).
   */
  reopen?: () => Promise<KeygramStore>
  /** Closes what this call opened. Runs after each test; must tolerate a store the suite already closed. */
  cleanup?: () => Promise<void>
}

/**
 * Opens a store. Every call must reach the SAME backend (a second connection to one SQLite file, a second
 * Redis client on one prefix, or simply the same memory store): the suite calls it twice to play two
 * processes. The backend may carry data from earlier tests; the suite drains the queue before each test
 * and uses fresh chat ids and keys.
 */
export type StoreFactory = () => Promise<StoreHandle>

/** Options of {@link testStore}. */
export interface StoreSuiteOptions {
  /**
   * Whether the store keeps data across a reopen (default `true`): then the factory must provide `reopen`,
   * and the suite checks that queue, dead letters, dedupe and key-values survive it. `false` for memory.
   */
  persistent?: boolean
}

const DAY_MS = 86_400_000

function requireCompareAndSet(store: KeygramStore): NonNullable<KeygramStore['kv']['compareAndSet']> {
  const cas = store.kv.compareAndSet?.bind(store.kv)
  if (cas === undefined) throw new Error(`${store.name} store does not implement kv.compareAndSet`)
  return cas
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Claims and settles everything queued, dead letters included, so counts in a test are its own. */
async function drain(store: KeygramStore): Promise<void> {
  // Far enough ahead to pass every back-off and claim a test may have left behind.
  const now = Date.now() + DAY_MS
  await store.queue.replayDead({ now })
  for (let round = 0; round < 1000; round++) {
    const claims = await store.queue.claim({
      workerId: 'drain',
      now,
      leaseMs: 60_000,
      maxChats: 100,
      maxJobsPerChat: 100,
    })
    if (claims.length === 0) return
    for (const claim of claims) {
      await store.queue.settle(claim.chatId, claim.claimToken, { done: claim.jobs.map((job) => job.id), now })
    }
  }
  throw new Error('drain: the queue did not empty')
}

/**
 * Registers the store conformance suite (vitest `describe`/`it`): enqueue with dedupe, claim order and head
 * runs, exclusive claims under concurrency, lease takeover, stale settles, back-off, chat `notBefore`, dead
 * letters and replay, chat moves, stats, key-values, the event log, and persistence when `reopen` is given.
 */
export function testStore(name: string, factory: StoreFactory, options: StoreSuiteOptions = {}): void {
  const persistent = options.persistent ?? true
  describe(`KeygramStore conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    let reopenOf: StoreHandle['reopen']

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function open(): Promise<KeygramStore> {
      const handle = await factory()
      if (handle.cleanup) cleanups.push(handle.cleanup)
      reopenOf = handle.reopen
      return handle.store
    }

    async function openDrained(): Promise<KeygramStore> {
      const store = await open()
      await drain(store)
      return store
    }

    // Chat ids and delivery keys are fresh per test: the backend is shared across tests.
    const chatId = () => `-100${Math.floor(Math.random() * 1e12)}`
    const key = (label: string) => `conformance:${label}:${crypto.randomUUID()}`

    function newJob(chat: string, text: string, threadId?: number): NewJob {
      return {
        chatId: chat,
        ...(threadId === undefined ? {} : { threadId }),
        message: {
          text: `<b>${text}</b>`,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_markup: {
            inline_keyboard: [[{ text: 'Open', url: 'https://shop.keycrm.app/app/orders/view/1' }]],
          },
        },
        summaryLine: `Order ${text}`,
      }
    }

    async function add(store: KeygramStore, now: number, ...jobs: NewJob[]): Promise<string[]> {
      const result = await store.queue.enqueue({
        deliveryKey: key('delivery'),
        dedupeTtlMs: DAY_MS,
        jobs,
        now,
      })
      expect(result.accepted).toBe(true)
      return result.jobIds
    }

    function claim(
      store: KeygramStore,
      now: number,
      limits: Partial<ClaimInput> = {},
    ): Promise<ClaimedChat[]> {
      return store.queue.claim({
        workerId: 'worker',
        now,
        leaseMs: 30_000,
        maxChats: 50,
        maxJobsPerChat: 50,
        ...limits,
      })
    }

    const texts = (jobs: QueuedJob[]) => jobs.map((job) => job.summaryLine.replace('Order ', ''))
    const only = (claims: ClaimedChat[], chat: string) => claims.filter((claimed) => claimed.chatId === chat)

    /** Claims `chat`; other chats claimed on the way are released untouched (an empty settle). */
    async function claimOne(
      store: KeygramStore,
      now: number,
      chat: string,
      limits: Partial<ClaimInput> = {},
    ) {
      const claims = await claim(store, now, limits)
      for (const other of claims) {
        if (other.chatId !== chat) await store.queue.settle(other.chatId, other.claimToken, { now })
      }
      const mine = only(claims, chat)
      expect(mine, `one claim of chat ${chat}`).toHaveLength(1)
      return mine[0]!
    }

    describe('enqueue', () => {
      it('stores jobs as given and hands them out in order with store-assigned fields', async () => {
        const store = await openDrained()
        const [a, b] = [chatId(), chatId()]
        const now = Date.now()
        const deliveryKey = key('order')
        const first = await store.queue.enqueue({
          deliveryKey,
          dedupeTtlMs: DAY_MS,
          jobs: [newJob(a, '#1', 7), newJob(a, '#2'), newJob(b, '#b1')],
          now,
        })
        expect(first.accepted).toBe(true)
        expect(first.jobIds).toHaveLength(3)
        expect(new Set(first.jobIds).size).toBe(3)
        await add(store, now + 1, newJob(a, '#3'))

        const claims = await claim(store, now + 10)
        expect(claims.map((claimed) => claimed.chatId).sort()).toEqual([a, b].sort())
        const line = only(claims, a)[0]!.jobs
        expect(texts(line)).toEqual(['#1', '#2', '#3'])
        expect(line[0]).toMatchObject({
          ...newJob(a, '#1', 7),
          id: first.jobIds[0],
          deliveryKey,
          attempts: 0,
          createdAt: now,
          lastError: null,
        })
        expect(line[0]!.notBefore).toBeLessThanOrEqual(now + 10)
        expect(line[1]!.threadId ?? undefined).toBeUndefined()
        for (let index = 1; index < line.length; index++) {
          expect(line[index]!.sequence).toBeGreaterThan(line[index - 1]!.sequence)
        }
        expect(only(claims, b)[0]!.jobs.map((job) => job.id)).toEqual([first.jobIds[2]])
      })

      it('suppresses a second enqueue of the same delivery key until its TTL passes', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        const deliveryKey = key('dup')
        const input = { deliveryKey, dedupeTtlMs: 1000, jobs: [newJob(chat, '#1')] }
        expect((await store.queue.enqueue({ ...input, now })).accepted).toBe(true)
        expect(await store.queue.enqueue({ ...input, now: now + 500 })).toEqual({
          accepted: false,
          jobIds: [],
        })
        expect((await store.queue.stats(now + 500)).pending).toBe(1)
        const again = await store.queue.enqueue({ ...input, now: now + 1001 })
        expect(again.accepted).toBe(true)
        expect(again.jobIds).toHaveLength(1)
        expect((await store.queue.stats(now + 1001)).pending).toBe(2)
      })

      it('remembers a delivery that routed to no chat', async () => {
        const store = await openDrained()
        const now = Date.now()
        const input = { deliveryKey: key('empty'), dedupeTtlMs: DAY_MS, jobs: [] }
        expect(await store.queue.enqueue({ ...input, now })).toEqual({ accepted: true, jobIds: [] })
        expect((await store.queue.enqueue({ ...input, now: now + 1 })).accepted).toBe(false)
      })

      it('accepts exactly one of 20 concurrent enqueues of one key from two processes', async () => {
        const stores = [await openDrained(), await open()]
        const chat = chatId()
        const now = Date.now()
        const deliveryKey = key('race')
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            stores[index % 2]!.queue.enqueue({
              deliveryKey,
              dedupeTtlMs: DAY_MS,
              jobs: [newJob(chat, `#${index}-a`), newJob(chat, `#${index}-b`)],
              now,
            }),
          ),
        )
        const accepted = results.filter((result) => result.accepted)
        expect(accepted).toHaveLength(1)
        const claimed = await claimOne(stores[0]!, now + 1, chat)
        expect(claimed.jobs.map((job) => job.id)).toEqual(accepted[0]!.jobIds)
      })

      it('shares one backend between factory calls', async () => {
        const [producer, consumer] = [await openDrained(), await open()]
        const chat = chatId()
        const now = Date.now()
        const ids = await add(producer, now, newJob(chat, '#1'))
        expect((await claimOne(consumer, now + 1, chat)).jobs.map((job) => job.id)).toEqual(ids)
      })
    })

    describe('claim', () => {
      it('returns the head run of due jobs, at most maxJobsPerChat, and at most maxChats chats', async () => {
        const store = await openDrained()
        const chats = [chatId(), chatId(), chatId()]
        const now = Date.now()
        for (const chat of chats) await add(store, now, ...[1, 2, 3, 4, 5].map((n) => newJob(chat, `#${n}`)))

        const firstRound = await claim(store, now + 1, { maxChats: 2, maxJobsPerChat: 2 })
        expect(firstRound).toHaveLength(2)
        for (const claimed of firstRound) expect(texts(claimed.jobs)).toEqual(['#1', '#2'])
        const rest = await claim(store, now + 1, { maxChats: 5, maxJobsPerChat: 2 })
        expect(rest).toHaveLength(1)
        expect(new Set([...firstRound, ...rest].map((claimed) => claimed.chatId))).toEqual(new Set(chats))

        // Settle only the first job: the second stays queued, unchanged, at the head.
        const target = firstRound[0]!
        const outcome = { done: [target.jobs[0]!.id], now: now + 2 }
        expect(await store.queue.settle(target.chatId, target.claimToken, outcome)).toEqual({ ok: true })
        const next = await claimOne(store, now + 3, target.chatId, { maxJobsPerChat: 3 })
        expect(texts(next.jobs)).toEqual(['#2', '#3', '#4'])
        expect(next.jobs[0]).toMatchObject({ attempts: 0, lastError: null })
      })

      it('stops the run at the first job that is not due', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#1'), newJob(chat, '#2'), newJob(chat, '#3'))
        const claimed = await claimOne(store, now + 1, chat, { maxJobsPerChat: 2 })
        // #1 untouched (stays due), #2 backs off: the line is #1 (due), #2 (not due), #3 (due).
        await store.queue.settle(chat, claimed.claimToken, {
          retry: [{ id: claimed.jobs[1]!.id, notBefore: now + 5000, error: 'HTTP 502' }],
          now: now + 2,
        })
        expect(texts((await claimOne(store, now + 3, chat)).jobs)).toEqual(['#1'])
      })

      it('refuses maxChats or maxJobsPerChat below 1 with a RangeError and claims nothing', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#1'))
        for (const limits of [
          { maxChats: 0 },
          { maxJobsPerChat: 0 },
          { maxChats: -1, maxJobsPerChat: -1 },
          { maxChats: Number.NaN },
        ]) {
          await expect(claim(store, now + 1, limits), JSON.stringify(limits)).rejects.toThrow(RangeError)
        }
        // Nothing was claimed on the way: the job is still there for a valid claim.
        expect(texts((await claimOne(store, now + 1, chat)).jobs)).toEqual(['#1'])
      })

      it('claims the chats that waited longest first', async () => {
        const store = await openDrained()
        const [early, middle, late] = [chatId(), chatId(), chatId()]
        const now = Date.now()
        await add(store, now, newJob(early, '#e'))
        await add(store, now + 10, newJob(middle, '#m'))
        await add(store, now + 20, newJob(late, '#l'))
        const order: string[] = []
        for (let round = 0; round < 3; round++) {
          const claims = await claim(store, now + 100, { maxChats: 1 })
          expect(claims).toHaveLength(1)
          order.push(claims[0]!.chatId)
        }
        expect(order).toEqual([early, middle, late])
        expect(await claim(store, now + 100)).toEqual([])
      })

      it('never hands one job to two claims when two processes claim while jobs arrive', async () => {
        const stores = [await openDrained(), await open()]
        const chats = Array.from({ length: 8 }, () => chatId())
        const enqueued = new Map<string, string[]>(chats.map((chat) => [chat, []]))
        const delivered = new Map<string, string[]>(chats.map((chat) => [chat, []]))
        const handedOut = new Map<string, number>()
        const staleSettles: string[] = []
        let producing = true

        const producer = async () => {
          for (let delivery = 0; delivery < 40; delivery++) {
            const targets = [chats[delivery % chats.length]!, chats[(delivery * 3 + 1) % chats.length]!]
            const jobs = targets.map((chat, index) => newJob(chat, `${delivery}.${index}`))
            const ids = await add(stores[delivery % 2]!, Date.now(), ...jobs)
            for (const [index, id] of ids.entries()) enqueued.get(targets[index]!)!.push(id)
            if (delivery % 5 === 0) await sleep(1)
          }
          producing = false
        }

        const worker = async (store: KeygramStore, workerId: string) => {
          for (let idle = 0; idle < 50; ) {
            const claims = await store.queue.claim({
              workerId,
              now: Date.now(),
              leaseMs: 60_000,
              maxChats: 3,
              maxJobsPerChat: 4,
            })
            if (claims.length === 0) {
              if (!producing) idle++
              await sleep(1)
              continue
            }
            idle = 0
            for (const claimed of claims) {
              for (const job of claimed.jobs) {
                handedOut.set(job.id, (handedOut.get(job.id) ?? 0) + 1)
                delivered.get(claimed.chatId)!.push(job.id)
              }
            }
            await sleep(Math.random() * 3)
            await Promise.all(
              claims.map(async (claimed) => {
                const done = claimed.jobs.map((job) => job.id)
                const result = await store.queue.settle(claimed.chatId, claimed.claimToken, {
                  done,
                  now: Date.now(),
                })
                if (!result.ok) staleSettles.push(claimed.chatId)
              }),
            )
          }
        }

        await Promise.all([producer(), worker(stores[0]!, 'worker-a'), worker(stores[1]!, 'worker-b')])
        expect([...handedOut.values()].filter((count) => count > 1)).toEqual([])
        expect(staleSettles).toEqual([])
        for (const chat of chats) {
          // Everything arrived, once, in the order it was enqueued.
          expect(delivered.get(chat)).toEqual(enqueued.get(chat))
        }
        expect((await stores[0]!.queue.stats(Date.now())).pending).toBe(0)
      })

      it('gives a chat whose worker died to another worker after its lease, and ignores the stale settle', async () => {
        const [first, second] = [await openDrained(), await open()]
        const chat = chatId()
        const now = Date.now()
        await add(first, now, newJob(chat, '#1'), newJob(chat, '#2'))
        const dying = await claimOne(first, now + 1, chat, { leaseMs: 1000 })
        expect(only(await claim(second, now + 500), chat)).toEqual([])

        const takeover = await claimOne(second, now + 1002, chat)
        expect(takeover.claimToken).not.toBe(dying.claimToken)
        expect(texts(takeover.jobs)).toEqual(['#1', '#2'])

        const stale = { done: dying.jobs.map((job) => job.id), chatNotBefore: now + 60_000, now: now + 1003 }
        expect(await first.queue.settle(chat, dying.claimToken, stale)).toEqual({ ok: false })
        expect(await first.queue.settle(chat, 'not-a-token', stale)).toEqual({ ok: false })
        // The stale settle changed nothing: the live claim still settles, and the chat was not delayed.
        const retry = [{ id: takeover.jobs[0]!.id, notBefore: now + 1004, error: 'timeout' }]
        expect(await second.queue.settle(chat, takeover.claimToken, { retry, now: now + 1004 })).toEqual({
          ok: true,
        })
        const again = await claimOne(first, now + 1005, chat)
        expect(texts(again.jobs)).toEqual(['#1', '#2'])
        expect(again.jobs[0]!.attempts).toBe(1)
      })

      it('ignores a second settle of the same claim', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#1'), newJob(chat, '#2'))
        const claimed = await claimOne(store, now + 1, chat, { maxJobsPerChat: 1 })
        expect((await store.queue.settle(chat, claimed.claimToken, { now: now + 2 })).ok).toBe(true)
        const late = { done: [claimed.jobs[0]!.id], now: now + 3 }
        expect(await store.queue.settle(chat, claimed.claimToken, late)).toEqual({ ok: false })
        expect(texts((await claimOne(store, now + 4, chat)).jobs)).toEqual(['#1', '#2'])
      })
    })

    describe('claim renewal', () => {
      function renewOf(store: KeygramStore): NonNullable<KeygramStore['queue']['renew']> {
        const renew = store.queue.renew?.bind(store.queue)
        if (renew === undefined) throw new Error(`${store.name} store does not implement queue.renew`)
        return renew
      }

      it('a renewed claim keeps its chat past the first lease; another worker takes it after the last', async () => {
        const [first, second] = [await openDrained(), await open()]
        const chat = chatId()
        const now = Date.now()
        await add(first, now, newJob(chat, '#1'))
        const held = await claimOne(first, now + 1, chat, { leaseMs: 1000 })
        expect(await renewOf(first)(chat, held.claimToken, { now: now + 800, leaseMs: 1000 })).toEqual({
          ok: true,
        })
        // Past the first lease (now + 1001), before the renewed one (now + 1800): still held.
        expect(only(await claim(second, now + 1500), chat)).toEqual([])
        expect((await second.queue.stats(now + 1500)).claimed).toBeGreaterThanOrEqual(1)
        const takeover = await claimOne(second, now + 1801, chat)
        expect(texts(takeover.jobs)).toEqual(['#1'])
        // The taken-over claim can no longer be renewed, nor settle.
        expect(await renewOf(first)(chat, held.claimToken, { now: now + 1802, leaseMs: 1000 })).toEqual({
          ok: false,
        })
        expect(only(await claim(first, now + 2500), chat)).toEqual([])
        const done = { done: takeover.jobs.map((job) => job.id), now: now + 2600 }
        expect(await second.queue.settle(chat, takeover.claimToken, done)).toEqual({ ok: true })
      })

      it('renews a lapsed claim nobody took over, and refuses a settled one or an unknown token', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#1'), newJob(chat, '#2'))
        const held = await claimOne(store, now + 1, chat, { leaseMs: 1000, maxJobsPerChat: 1 })
        const renew = renewOf(store)
        expect(await renew(chat, held.claimToken, { now: now + 5000, leaseMs: 1000 })).toEqual({ ok: true })
        expect(only(await claim(store, now + 5500), chat)).toEqual([])
        expect(await renew(chat, 'not-a-token', { now: now + 5600, leaseMs: 1000 })).toEqual({ ok: false })
        expect(await renew(chatId(), 'not-a-token', { now: now + 5600, leaseMs: 1000 })).toEqual({
          ok: false,
        })
        const settled = { done: [held.jobs[0]!.id], now: now + 5700 }
        expect(await store.queue.settle(chat, held.claimToken, settled)).toEqual({ ok: true })
        expect(await renew(chat, held.claimToken, { now: now + 5800, leaseMs: 1000 })).toEqual({ ok: false })
        // The settle released the chat: the rest of its line is claimable at once.
        expect(texts((await claimOne(store, now + 5801, chat)).jobs)).toEqual(['#2'])
      })
    })

    describe('back-off and chat pacing', () => {
      it('a retrying head blocks its chat line, keeping order, until its notBefore', async () => {
        const store = await openDrained()
        const [blocked, other] = [chatId(), chatId()]
        const now = Date.now()
        await add(store, now, newJob(blocked, '#1'), newJob(blocked, '#2'), newJob(blocked, '#3'))
        const claimed = await claimOne(store, now + 1, blocked, { maxJobsPerChat: 1 })
        const retry = [{ id: claimed.jobs[0]!.id, notBefore: now + 1000, error: 'Internal Server Error' }]
        expect((await store.queue.settle(blocked, claimed.claimToken, { retry, now: now + 2 })).ok).toBe(true)
        await add(store, now + 3, newJob(other, '#o'))

        const meanwhile = await claim(store, now + 500)
        expect(only(meanwhile, blocked)).toEqual([])
        expect(only(meanwhile, other)).toHaveLength(1)

        const later = await claimOne(store, now + 1001, blocked)
        expect(texts(later.jobs)).toEqual(['#1', '#2', '#3'])
        expect(later.jobs[0]).toMatchObject({
          attempts: 1,
          lastError: 'Internal Server Error',
          notBefore: now + 1000,
        })
      })

      it('respects chatNotBefore from a settle, for jobs queued before and after it', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#1'), newJob(chat, '#2'))
        const claimed = await claimOne(store, now + 1, chat, { maxJobsPerChat: 1 })
        const outcome = { done: [claimed.jobs[0]!.id], chatNotBefore: now + 3000, now: now + 2 }
        expect((await store.queue.settle(chat, claimed.claimToken, outcome)).ok).toBe(true)
        expect(only(await claim(store, now + 1000), chat)).toEqual([])

        // Even a line that emptied keeps its wait: a newcomer must not jump the rate limit.
        const second = await claimOne(store, now + 3001, chat)
        await store.queue.settle(chat, second.claimToken, {
          done: second.jobs.map((job) => job.id),
          chatNotBefore: now + 6000,
          now: now + 3002,
        })
        await add(store, now + 3003, newJob(chat, '#3'))
        expect(only(await claim(store, now + 4000), chat)).toEqual([])
        expect(texts((await claimOne(store, now + 6001, chat)).jobs)).toEqual(['#3'])
      })
    })

    describe('dead letters', () => {
      it('keeps dead jobs with their reason, oldest first, and replays them at the end of their lines', async () => {
        const store = await openDrained()
        const [a, b] = [chatId(), chatId()]
        const now = Date.now()
        await add(store, now, newJob(a, '#a1'), newJob(a, '#a2'))
        const claimedA = await claimOne(store, now + 1, a)
        await store.queue.settle(a, claimedA.claimToken, {
          dead: [
            {
              id: claimedA.jobs[0]!.id,
              reason: 'forbidden',
              error: 'Forbidden: bot was blocked by the user',
            },
          ],
          done: [claimedA.jobs[1]!.id],
          now: now + 2,
        })
        await add(store, now + 3, newJob(b, '#b1'))
        const claimedB = await claimOne(store, now + 4, b)
        await store.queue.settle(b, claimedB.claimToken, {
          dead: [{ id: claimedB.jobs[0]!.id, reason: 'retries_exhausted', error: 'HTTP 502' }],
          now: now + 5,
        })

        const deadJobs = await store.queue.listDead()
        expect(deadJobs.map((job) => job.id)).toEqual([claimedA.jobs[0]!.id, claimedB.jobs[0]!.id])
        expect(deadJobs[0]).toMatchObject({
          ...newJob(a, '#a1'),
          reason: 'forbidden',
          lastError: 'Forbidden: bot was blocked by the user',
          deadAt: now + 2,
        })
        expect((await store.queue.listDead({ limit: 1 })).map((job) => job.id)).toEqual([
          claimedA.jobs[0]!.id,
        ])
        expect((await store.queue.stats(now + 6)).dead).toBe(2)
        expect(only(await claim(store, now + 6), a)).toEqual([])

        // A job queued meanwhile goes first: the replayed one joins the END of the line.
        await add(store, now + 7, newJob(a, '#a3'))
        expect(
          await store.queue.replayDead({ ids: [claimedA.jobs[0]!.id, 'unknown-id'], now: now + 8 }),
        ).toBe(1)
        expect((await store.queue.listDead()).map((job) => job.id)).toEqual([claimedB.jobs[0]!.id])
        const replayed = await claimOne(store, now + 9, a)
        expect(texts(replayed.jobs)).toEqual(['#a3', '#a1'])
        expect(replayed.jobs[1]).toMatchObject({ id: claimedA.jobs[0]!.id, attempts: 0 })
        expect(replayed.jobs[1]!.sequence).toBeGreaterThan(replayed.jobs[0]!.sequence)
        expect(replayed.jobs[1]!.notBefore).toBeLessThanOrEqual(now + 9)

        expect(await store.queue.replayDead({ now: now + 10 })).toBe(1)
        expect(await store.queue.listDead()).toEqual([])
        expect(texts((await claimOne(store, now + 11, b)).jobs)).toEqual(['#b1'])
      })
    })

    describe('chat moves', () => {
      it('movedTo appends the remaining jobs, in order, after the jobs the target already has', async () => {
        const store = await openDrained()
        const [oldChat, newChat] = [chatId(), chatId()]
        const now = Date.now()
        await add(store, now, newJob(newChat, '#n1'))
        await add(store, now + 1, ...[1, 2, 3, 4].map((n) => newJob(oldChat, `#o${n}`)))
        const claimed = await claimOne(store, now + 2, oldChat, { maxJobsPerChat: 2 })
        const outcome = {
          retry: [
            {
              id: claimed.jobs[0]!.id,
              notBefore: now + 3,
              error: 'group chat was upgraded to a supergroup chat',
            },
          ],
          movedTo: newChat,
          now: now + 3,
        }
        expect(await store.queue.settle(oldChat, claimed.claimToken, outcome)).toEqual({ ok: true })

        const claims = await claim(store, now + 4)
        expect(only(claims, oldChat)).toEqual([])
        const moved = only(claims, newChat)[0]!
        expect(texts(moved.jobs)).toEqual(['#n1', '#o1', '#o2', '#o3', '#o4'])
        for (const job of moved.jobs) expect(job.chatId).toBe(newChat)
        for (let index = 1; index < moved.jobs.length; index++) {
          expect(moved.jobs[index]!.sequence).toBeGreaterThan(moved.jobs[index - 1]!.sequence)
        }
      })
    })

    describe('priority lanes', () => {
      const low = (chat: string, text: string): NewJob => ({ ...newJob(chat, text), priority: 'low' })

      it("claims a chat's normal line before its low line, whatever came first, one line per claim", async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, low(chat, '#l1'))
        await add(store, now + 1, newJob(chat, '#n1'), low(chat, '#l2'))
        await add(store, now + 2, newJob(chat, '#n2'))

        const first = await claimOne(store, now + 3, chat)
        expect(texts(first.jobs)).toEqual(['#n1', '#n2'])
        for (const job of first.jobs) expect(job.priority ?? 'normal').toBe('normal')
        await store.queue.settle(chat, first.claimToken, {
          done: first.jobs.map((job) => job.id),
          now: now + 4,
        })

        const second = await claimOne(store, now + 5, chat)
        expect(texts(second.jobs)).toEqual(['#l1', '#l2'])
        for (const job of second.jobs) expect(job.priority).toBe('low')
        expect(await store.queue.stats(now + 5)).toMatchObject({ pending: 0, claimed: 2 })
      })

      it('a normal job that arrives while the low line is claimed goes next; the settle touches only its claim', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, low(chat, '#l1'), low(chat, '#l2'))
        const lows = await claimOne(store, now + 1, chat)
        expect(texts(lows.jobs)).toEqual(['#l1', '#l2'])
        await add(store, now + 2, newJob(chat, '#n1'))
        const outcome = {
          done: [lows.jobs[0]!.id],
          retry: [{ id: lows.jobs[1]!.id, notBefore: now + 3, error: 'Internal Server Error' }],
          now: now + 3,
        }
        expect(await store.queue.settle(chat, lows.claimToken, outcome)).toEqual({ ok: true })

        const normal = await claimOne(store, now + 4, chat)
        expect(texts(normal.jobs)).toEqual(['#n1'])
        expect(normal.jobs[0]).toMatchObject({ attempts: 0, lastError: null })
        await store.queue.settle(chat, normal.claimToken, { done: [normal.jobs[0]!.id], now: now + 5 })
        const retried = await claimOne(store, now + 6, chat)
        expect(texts(retried.jobs)).toEqual(['#l2'])
        expect(retried.jobs[0]).toMatchObject({
          attempts: 1,
          lastError: 'Internal Server Error',
          priority: 'low',
        })
      })

      it('a normal job backing off holds the low line too', async () => {
        const store = await openDrained()
        const chat = chatId()
        const now = Date.now()
        await add(store, now, newJob(chat, '#n1'), low(chat, '#l1'))
        const claimed = await claimOne(store, now + 1, chat)
        const retry = [{ id: claimed.jobs[0]!.id, notBefore: now + 1000, error: 'HTTP 502' }]
        await store.queue.settle(chat, claimed.claimToken, { retry, now: now + 2 })
        expect(only(await claim(store, now + 500), chat)).toEqual([])
        expect(texts((await claimOne(store, now + 1001, chat)).jobs)).toEqual(['#n1'])
      })

      it('keeps the lane through dead letters, replays and chat moves', async () => {
        const store = await openDrained()
        const [chat, target] = [chatId(), chatId()]
        const now = Date.now()
        await add(store, now, low(chat, '#l1'))
        const claimed = await claimOne(store, now + 1, chat)
        const dead = [{ id: claimed.jobs[0]!.id, reason: 'bad_request', error: 'Bad Request' }]
        await store.queue.settle(chat, claimed.claimToken, { dead, now: now + 2 })
        expect((await store.queue.listDead())[0]).toMatchObject({ id: claimed.jobs[0]!.id, priority: 'low' })

        await add(store, now + 3, newJob(chat, '#n1'))
        expect(await store.queue.replayDead({ now: now + 4 })).toBe(1)
        const normal = await claimOne(store, now + 5, chat)
        expect(texts(normal.jobs)).toEqual(['#n1'])
        await add(store, now + 6, newJob(target, '#t1'), low(target, '#tl1'))
        await store.queue.settle(chat, normal.claimToken, { movedTo: target, now: now + 7 })

        const moved = await claimOne(store, now + 8, target)
        expect(texts(moved.jobs)).toEqual(['#t1', '#n1'])
        await store.queue.settle(target, moved.claimToken, {
          done: moved.jobs.map((job) => job.id),
          now: now + 9,
        })
        const movedLow = await claimOne(store, now + 10, target)
        expect(texts(movedLow.jobs)).toEqual(['#tl1', '#l1'])
        for (const job of movedLow.jobs) expect(job).toMatchObject({ chatId: target, priority: 'low' })
      })
    })

    describeWakeCases({ open })

    describe('stats', () => {
      it('counts pending, claimed and dead jobs and the age of the oldest', async () => {
        const store = await openDrained()
        const [a, b] = [chatId(), chatId()]
        const now = Date.now()
        expect(await store.queue.stats(now)).toEqual({
          pending: 0,
          claimed: 0,
          dead: 0,
          oldestPendingAgeMs: null,
        })
        await add(store, now, newJob(a, '#1'), newJob(a, '#2'), newJob(a, '#3'))
        await add(store, now + 100, newJob(b, '#4'), newJob(b, '#5'))
        expect(await store.queue.stats(now + 1000)).toEqual({
          pending: 5,
          claimed: 0,
          dead: 0,
          oldestPendingAgeMs: 1000,
        })

        const claimed = await claimOne(store, now + 1000, a)
        expect(await store.queue.stats(now + 1000)).toMatchObject({ pending: 2, claimed: 3, dead: 0 })
        await store.queue.settle(a, claimed.claimToken, {
          done: [claimed.jobs[0]!.id, claimed.jobs[1]!.id],
          dead: [
            { id: claimed.jobs[2]!.id, reason: 'bad_request', error: 'Bad Request: message text is empty' },
          ],
          now: now + 1001,
        })
        expect(await store.queue.stats(now + 2000)).toEqual({
          pending: 2,
          claimed: 0,
          dead: 1,
          oldestPendingAgeMs: 1900,
        })
      })
    })

    describe('key-values', () => {
      it('sets, gets, overwrites and deletes JSON values', async () => {
        const store = await open()
        const name = key('kv')
        expect(await store.kv.get(name)).toBeNull()
        const value = { to: '-1001234567890', at: 1_700_000_000_000, tags: ['a', 'b'], nested: { ok: true } }
        await store.kv.set(name, value)
        expect(await store.kv.get(name)).toEqual(value)
        await store.kv.set(name, 'replaced')
        expect(await store.kv.get<string>(name)).toBe('replaced')
        await store.kv.delete(name)
        expect(await store.kv.get(name)).toBeNull()
        await expect(store.kv.delete(name)).resolves.toBeUndefined()
      })

      it('forgets a value after its TTL, and setIfAbsent may then set it again', async () => {
        const store = await open()
        const name = key('ttl')
        const lasting = key('lasting')
        await store.kv.set(name, 1, { ttlMs: 150 })
        await store.kv.set(lasting, 'stays')
        expect(await store.kv.get(name)).toBe(1)
        expect(await store.kv.setIfAbsent(name, 2, { ttlMs: 150 })).toBe(false)
        await vi.waitFor(async () => expect(await store.kv.get(name)).toBeNull(), {
          timeout: 3000,
          interval: 20,
        })
        expect(await store.kv.setIfAbsent(name, 3)).toBe(true)
        expect(await store.kv.get(name)).toBe(3)
        expect(await store.kv.get(lasting)).toBe('stays')
      })

      it('setIfAbsent lets exactly one of 20 concurrent writers from two processes win', async () => {
        const stores = [await open(), await open()]
        const name = key('race')
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            stores[index % 2]!.kv.setIfAbsent(name, { writer: index }),
          ),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await stores[1]!.kv.get(name)).toEqual({ writer: results.indexOf(true) })
      })

      it('compareAndSet replaces only the expected value; null expects an absent or expired key', async () => {
        const store = await open()
        const cas = requireCompareAndSet(store)
        const name = key('cas')
        const first = { level: 5, state: 'ok', seq: 0 }
        expect(await cas(name, { level: 1 }, first)).toBe(false)
        expect(await store.kv.get(name)).toBeNull()
        expect(await cas(name, null, first)).toBe(true)
        expect(await cas(name, null, { level: 9 })).toBe(false)
        const read = await store.kv.get(name)
        expect(read).toEqual(first)
        const second = { level: 2, state: 'low', seq: 1 }
        expect(await cas(name, { level: 5, state: 'ok', seq: 1 }, second)).toBe(false)
        expect(await cas(name, read, second)).toBe(true)
        expect(await cas(name, read, { level: 7 })).toBe(false)
        expect(await store.kv.get(name)).toEqual(second)

        const expiring = key('cas-ttl')
        expect(await cas(expiring, null, 'soon gone', { ttlMs: 150 })).toBe(true)
        expect(await cas(expiring, null, 'too early')).toBe(false)
        await vi.waitFor(async () => expect(await store.kv.get(expiring)).toBeNull(), {
          timeout: 3000,
          interval: 20,
        })
        // An expired value no longer matches itself, only an absent key does.
        expect(await cas(expiring, 'soon gone', 'stale')).toBe(false)
        expect(await cas(expiring, null, 'fresh')).toBe(true)
        expect(await store.kv.get(expiring)).toBe('fresh')
      })

      it('compareAndSet loses no increment of 40 concurrent read-modify-writes from two processes', async () => {
        const stores = [await open(), await open()]
        const name = key('cas-counter')
        let conflicts = 0
        const increment = async (store: KeygramStore, writer: number) => {
          const cas = requireCompareAndSet(store)
          for (;;) {
            const current = await store.kv.get<{ count: number; writers: number[] }>(name)
            const next = { count: (current?.count ?? 0) + 1, writers: [...(current?.writers ?? []), writer] }
            if (await cas(name, current, next)) return
            conflicts++
          }
        }
        await Promise.all(Array.from({ length: 40 }, (_, index) => increment(stores[index % 2]!, index)))
        const final = await stores[0]!.kv.get<{ count: number; writers: number[] }>(name)
        expect(final?.count).toBe(40)
        expect([...(final?.writers ?? [])].sort((x, y) => x - y)).toEqual(
          Array.from({ length: 40 }, (_, i) => i),
        )
        // Without contention the test would prove nothing about atomicity.
        expect(conflicts).toBeGreaterThan(0)
      })
    })

    describe('live cards', () => {
      const webhook = (id: number, statusId: number, minute: number) => ({
        event: 'order.change_order_status',
        context: {
          id,
          status_id: statusId,
          status_changed_at: `2026-12-07 10:${String(minute).padStart(2, '0')}:00`,
        },
      })

      it('merges concurrent changes to one card from two processes: every step kept, one message', async () => {
        const stores = [await open(), await open()]
        const card = cardKey({ chatId: chatId() }, { entity: 'order', id: 42 })
        const now = Date.now()
        const changes = Array.from({ length: 8 }, (_, index) =>
          commitCardChange(
            stores[index % 2]!.kv,
            card,
            { webhook: webhook(42, 10 + index, index), jobId: `job-${index}` },
            { now, ttlMs: DAY_MS },
          ),
        )
        await Promise.all(changes)
        await commitCardChange(stores[0]!.kv, card, { messageId: 7, sentAt: now }, { now, ttlMs: DAY_MS })
        const record = await readCard(stores[1]!.kv, card)
        expect(record?.steps.map((step) => step.statusId)).toEqual([10, 11, 12, 13, 14, 15, 16, 17])
        expect([...(record?.appliedJobs ?? [])].sort()).toEqual(
          Array.from({ length: 8 }, (_, i) => `job-${i}`),
        )
        expect(record).toMatchObject({ messageId: 7, sentAt: now })
        expect(record?.latest.context.status_id).toBe(17)
      })

      it('keeps a card for its TTL and forgets it after', async () => {
        const store = await openDrained()
        const card = cardKey({ chatId: chatId(), threadId: 3 }, { entity: 'lead', id: 9 })
        await commitCardChange(store.kv, card, { webhook: webhook(9, 2, 0) }, { now: Date.now(), ttlMs: 300 })
        expect(await readCard(store.kv, card)).not.toBeNull()
        await sleep(600)
        expect(await readCard(store.kv, card)).toBeNull()
      })
    })

    describe('event log', () => {
      // Records of each test live in their own stretch of the years 2000-2010, so a shared backend's other
      // records (earlier tests, earlier runs) never fall into a test's ranges. A random millisecond, not a
      // random day: records of earlier runs stay in a shared Redis or PostgreSQL, and with a few thousand
      // days two runs' tests met on one day often enough to fail.
      const base = () => 946_684_800_000 + Math.floor(Math.random() * (10 * 365 - 1) * DAY_MS)

      function record(at: number, overrides: Partial<EventRecord> = {}): EventRecord {
        return {
          deliveryKey: key('event'),
          at,
          kind: 'order_status',
          event: 'order.change_order_status',
          entityId: 67526,
          statusId: 11,
          statusGroupId: 4,
          paymentStatus: 'not_paid',
          grandTotal: 1450.5,
          sourceId: 1,
          managerId: 6,
          createdAt: at - 3_600_000,
          statusChangedAt: at - 1_000,
          ...overrides,
        }
      }

      it('returns the records of [from, to) oldest first, exactly as appended', async () => {
        const store = await open()
        const t = base()
        const lead = record(t + 20, {
          kind: 'lead_status',
          event: 'lead.change_lead_status',
          statusGroupId: null,
          paymentStatus: null,
          grandTotal: null,
          createdAt: null,
        })
        const records = [record(t + 10), lead, record(t), record(t + 30, { kind: 'unknown', event: 'x.y' })]
        for (const item of records) expect(await store.events.append(item)).toBe(true)
        expect(await store.events.range(t, t + 30)).toEqual([records[2], records[0], lead])
        expect(await store.events.range(t + 10, t + 11)).toEqual([records[0]])
        expect(await store.events.range(t + 31, t + 1_000)).toEqual([])
      })

      it('stores a delivery key once, and keeps records of one millisecond in append order', async () => {
        const store = await open()
        const t = base()
        const first = record(t)
        expect(await store.events.append(first)).toBe(true)
        expect(await store.events.append({ ...first, at: t + 5, statusId: 12 })).toBe(false)
        const ties = [
          record(t + 1, { entityId: 1 }),
          record(t + 1, { entityId: 2 }),
          record(t + 1, { entityId: 3 }),
        ]
        for (const item of ties) await store.events.append(item)
        expect((await store.events.range(t, t + 10)).map((item) => item.entityId)).toEqual([67526, 1, 2, 3])
      })

      it('lets exactly one of two processes append the same delivery', async () => {
        const stores = [await open(), await open()]
        const t = base()
        const item = record(t)
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            stores[index % 2]!.events.append({ ...item, entityId: index }),
          ),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await stores[1]!.events.range(t, t + 1)).toEqual([
          { ...item, entityId: results.indexOf(true) },
        ])
      })

      it('prunes records older than a time and keeps the rest', async () => {
        const store = await open()
        const t = base()
        const records = [record(t), record(t + 1), record(t + 2), record(t + 3)]
        for (const item of records) await store.events.append(item)
        expect(await store.events.prune(t + 2)).toBeGreaterThanOrEqual(2)
        expect(await store.events.range(t, t + 10)).toEqual(records.slice(2))
        expect(await store.events.prune(t + 2)).toBe(0)
      })
    })

    it('answers ping', async () => {
      const store = await open()
      await expect(store.ping()).resolves.toBeUndefined()
      expect(typeof store.name).toBe('string')
    })

    // A store that keeps nothing (memory) has no reopen case to run, so the case is not registered at all.
    if (persistent)
      it('keeps queue, dead letters, dedupe, key-values and the event log across a reopen', async () => {
        const store = await openDrained()
        const reopen = reopenOf
        if (reopen === undefined) {
          throw new Error(
            'testStore: the factory gave no `reopen`; pass { persistent: false } for a store that keeps nothing',
          )
        }
        const [chat, deadChat] = [chatId(), chatId()]
        const now = Date.now()
        const deliveryKey = key('durable')
        await store.queue.enqueue({
          deliveryKey,
          dedupeTtlMs: DAY_MS,
          jobs: [newJob(chat, '#1', 3), newJob(chat, '#2')],
          now,
        })
        await add(store, now, newJob(deadChat, '#dead'))
        const toKill = await claimOne(store, now + 1, deadChat)
        await store.queue.settle(deadChat, toKill.claimToken, {
          dead: [{ id: toKill.jobs[0]!.id, reason: 'forbidden', error: 'Forbidden' }],
          now: now + 2,
        })
        const name = key('kv')
        await store.kv.set(name, { kept: true })
        const event: EventRecord = {
          deliveryKey: key('event'),
          at: now,
          kind: 'payment_status',
          event: 'order.change_payment_status',
          entityId: 1,
          statusId: 3,
          statusGroupId: 2,
          paymentStatus: 'paid',
          grandTotal: 10,
          sourceId: null,
          managerId: null,
          createdAt: null,
          statusChangedAt: null,
        }
        await store.events.append(event)
        await store.close()

        const reopened = await reopen()
        try {
          const again = { deliveryKey, dedupeTtlMs: DAY_MS, jobs: [newJob(chat, '#again')], now: now + 3 }
          expect((await reopened.queue.enqueue(again)).accepted).toBe(false)
          expect(await reopened.kv.get(name)).toEqual({ kept: true })
          expect(await reopened.events.range(now, now + 1)).toContainEqual(event)
          expect(await reopened.events.append(event)).toBe(false)
          expect((await reopened.queue.listDead()).map((job) => job.reason)).toEqual(['forbidden'])
          const claimed = await claimOne(reopened, now + 4, chat)
          expect(
            claimed.jobs.map(({ summaryLine, threadId, message }) => ({ summaryLine, threadId, message })),
          ).toEqual(
            [newJob(chat, '#1', 3), newJob(chat, '#2')].map(({ summaryLine, threadId, message }) => ({
              summaryLine,
              threadId,
              message,
            })),
          )
        } finally {
          await reopened.close()
        }
      })
  })
}
