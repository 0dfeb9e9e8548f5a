import { type KeygramStore, memoryStore, type NewJob, type SettleInput } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimInput, enqueue, job, postgresFixture } from './helpers.ts'

const T0 = 1_767_225_600_000

describe('postgresStore queue', () => {
  let fixture: ReturnType<typeof postgresFixture>
  let store: KeygramStore

  beforeEach(() => {
    fixture = postgresFixture()
    store = fixture.open()
  })
  afterEach(() => fixture.cleanup())

  const table = (name: string) => `"${fixture.schema}".keygram_${name}`

  it('round-trips every job field: quotes, backslashes, emoji, empty arrays, large thread ids', async () => {
    const tricky: NewJob = {
      chatId: '@shop_channel',
      threadId: 2_147_483_648,
      message: {
        text: 'Замовлення <b>"#7"</b> \\ done ✅ {a,b} NULL',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: { inline_keyboard: [] },
      },
      summaryLine: 'He said "{NULL}" \\ 👍',
    }
    const [id] = await enqueue(store, T0, tricky)
    const [claim] = await store.queue.claim(claimInput(T0))
    expect(claim!.jobs).toEqual([
      {
        ...tricky,
        id,
        deliveryKey: expect.any(String),
        sequence: expect.any(Number),
        attempts: 0,
        notBefore: T0,
        createdAt: T0,
        lastError: null,
      },
    ])
  })

  it('keeps a U+0000 in a summary or an error from failing the write', async () => {
    await enqueue(store, T0, job('-1', 'a\u0000b'))
    const [claim] = await store.queue.claim(claimInput(T0))
    expect(claim!.jobs[0]!.summaryLine).toBe('a\uFFFDb')
    const settled = await store.queue.settle('-1', claim!.claimToken, {
      dead: [{ id: claim!.jobs[0]!.id, reason: 'bad\u0000request', error: 'Bad Request: \u0000' }],
      now: T0,
    })
    expect(settled.ok).toBe(true)
    expect(await store.queue.listDead()).toMatchObject([
      { reason: 'bad\uFFFDrequest', lastError: 'Bad Request: \uFFFD' },
    ])
  })

  it('numbers 300 jobs of one delivery in the order given, across chats', async () => {
    const jobs = Array.from({ length: 300 }, (_, index) => job(`-10${index % 3}`, `${index}`))
    await enqueue(store, T0, ...jobs)
    const claims = await store.queue.claim(claimInput(T0, { maxJobsPerChat: 200 }))
    expect(claims).toHaveLength(3)
    for (const claim of claims) {
      const texts = claim.jobs.map((queued) => Number(queued.summaryLine))
      expect(texts).toEqual([...texts].sort((a, b) => a - b))
      expect(texts).toHaveLength(100)
      const sequences = claim.jobs.map((queued) => queued.sequence)
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
    }
  })

  it('moves a long line to the migrated chat in order, behind the jobs already there', async () => {
    await enqueue(store, T0, job('new', 'n0'))
    await enqueue(store, T0 + 1, ...Array.from({ length: 200 }, (_, index) => job('old', `o${index}`)))
    const claims = await store.queue.claim(claimInput(T0 + 2, { maxChats: 1 }))
    expect(claims.map((claim) => claim.chatId)).toEqual(['new'])
    await store.queue.settle('new', claims[0]!.claimToken, { now: T0 + 2 })
    // The chat just served waits behind the one that waited longer.
    const [claimed, ...others] = await store.queue.claim(claimInput(T0 + 2, { maxChats: 1 }))
    expect([claimed!.chatId, others]).toEqual(['old', []])
    await store.queue.settle('old', claimed!.claimToken, { movedTo: 'new', now: T0 + 3 })
    const moved = await store.queue.claim(claimInput(T0 + 4, { maxJobsPerChat: 500 }))
    expect(moved.map((claim) => claim.chatId)).toEqual(['new'])
    expect(moved[0]!.jobs.map((queued) => queued.summaryLine)).toEqual([
      'n0',
      ...Array.from({ length: 200 }, (_, index) => `o${index}`),
    ])
  })

  it('replays dead letters in dead-letter order, whatever order the ids are given in', async () => {
    const ids = await enqueue(store, T0, ...Array.from({ length: 40 }, (_, index) => job('-5', `${index}`)))
    const [claim] = await store.queue.claim(claimInput(T0, { maxJobsPerChat: 100 }))
    await store.queue.settle('-5', claim!.claimToken, {
      dead: claim!.jobs.map((queued) => ({ id: queued.id, reason: 'forbidden', error: 'Forbidden' })),
      now: T0 + 1,
    })
    expect(await store.queue.replayDead({ ids: [...ids].reverse(), now: T0 + 2 })).toBe(40)
    const [again] = await store.queue.claim(claimInput(T0 + 3, { maxJobsPerChat: 100 }))
    expect(again!.jobs.map((queued) => queued.id)).toEqual(ids)
    expect(await store.queue.replayDead({ ids: [], now: T0 + 4 })).toBe(0)
  })

  it('applies a settle naming one job several times exactly as the reference store does', async () => {
    const outcome = (ids: string[], now: number): SettleInput => ({
      done: [ids[0]!],
      retry: [
        { id: ids[0]!, notBefore: now + 10, error: 'ignored: done wins' },
        { id: ids[1]!, notBefore: now + 10, error: 'first' },
        { id: ids[1]!, notBefore: now + 20, error: 'second' },
        { id: ids[2]!, notBefore: now + 30, error: 'then dead' },
      ],
      dead: [
        { id: ids[2]!, reason: 'forbidden', error: 'dead wins' },
        { id: ids[2]!, reason: 'bad_request', error: 'ignored: dead once' },
        { id: ids[3]!, reason: 'chat_not_found', error: 'gone' },
      ],
      now,
    })
    const reference = memoryStore()
    const results = []
    for (const candidate of [store, reference]) {
      const ids = await enqueue(candidate, T0, ...['a', 'b', 'c', 'd', 'e'].map((text) => job('-9', text)))
      const [claim] = await candidate.queue.claim(claimInput(T0))
      expect((await candidate.queue.settle('-9', claim!.claimToken, outcome(ids, T0 + 1))).ok).toBe(true)
      const [next] = await candidate.queue.claim(claimInput(T0 + 100))
      const strip = ({ id, deliveryKey, sequence, ...rest }: Record<string, unknown>) => rest
      results.push({
        queued: next!.jobs.map((queued) => strip({ ...queued })),
        dead: (await candidate.queue.listDead()).map((dead) => strip({ ...dead })),
      })
    }
    await reference.close()
    expect(results[0]).toEqual(results[1])
    expect(results[0]!.queued.map((queued) => [queued.summaryLine, queued.attempts])).toEqual([
      ['b', 2],
      ['e', 0],
    ])
  })

  it('a settle touches only the jobs of its claim, not ones enqueued after it', async () => {
    await enqueue(store, T0, job('-7', 'first'))
    const [claim] = await store.queue.claim(claimInput(T0))
    const [later] = await enqueue(store, T0 + 1, job('-7', 'later'))
    await store.queue.settle('-7', claim!.claimToken, {
      done: [claim!.jobs[0]!.id, later!],
      now: T0 + 2,
    })
    const [next] = await store.queue.claim(claimInput(T0 + 3))
    expect(next!.jobs.map((queued) => queued.id)).toEqual([later])
  })

  it('drops the row of an emptied chat, keeps a paused one, and claims a line whose row is missing', async () => {
    const admin = await fixture.admin()
    const chatRows = async () =>
      (await admin.query(`SELECT chat_id FROM ${table('chats')} ORDER BY chat_id`)).rows.map(
        (row) => row.chat_id,
      )
    await enqueue(store, T0, job('-1', 'a'), job('-2', 'b'))
    const claims = await store.queue.claim(claimInput(T0))
    expect(await chatRows()).toEqual(['-1', '-2'])
    for (const claim of claims) {
      await store.queue.settle(claim.chatId, claim.claimToken, {
        done: claim.jobs.map((queued) => queued.id),
        ...(claim.chatId === '-2' ? { chatNotBefore: T0 + 60_000 } : {}),
        now: T0 + 1,
      })
    }
    expect(await chatRows()).toEqual(['-2'])

    // A chat row lost (deleted by hand here; in production a settle dropping it as an enqueue commits)
    // costs nothing: the jobs table says the chat has work, and claim recreates the row.
    await enqueue(store, T0 + 2, job('-3', 'c'))
    await store.queue
      .claim(claimInput(T0 + 2))
      .then((found) =>
        Promise.all(
          found.map((claim) => store.queue.settle(claim.chatId, claim.claimToken, { now: T0 + 2 })),
        ),
      )
    await admin.query(`DELETE FROM ${table('chats')} WHERE chat_id = '-3'`)
    const [again] = await store.queue.claim(claimInput(T0 + 3))
    expect(again).toMatchObject({ chatId: '-3', jobs: [{ summaryLine: 'c' }] })
  })

  it('purges expired delivery keys as later webhooks arrive, and accepts an expired key again', async () => {
    const admin = await fixture.admin()
    const count = async () =>
      Number((await admin.query(`SELECT count(*) FROM ${table('deliveries')}`)).rows[0].count)
    for (let index = 0; index < 40; index++) {
      await store.queue.enqueue({ deliveryKey: `old-${index}`, dedupeTtlMs: 10, jobs: [], now: T0 })
    }
    expect(await count()).toBe(40)
    // One enqueue in 32 also purges: 64 later webhooks are plenty.
    for (let index = 0; index < 64; index++) {
      await store.queue.enqueue({
        deliveryKey: `new-${index}`,
        dedupeTtlMs: 60_000,
        jobs: [],
        now: T0 + 1000,
      })
    }
    expect(await count()).toBe(64)
    expect(
      (await store.queue.enqueue({ deliveryKey: 'new-0', dedupeTtlMs: 60_000, jobs: [], now: T0 + 1001 }))
        .accepted,
    ).toBe(false)
    expect(
      (await store.queue.enqueue({ deliveryKey: 'old-0', dedupeTtlMs: 60_000, jobs: [], now: T0 + 1001 }))
        .accepted,
    ).toBe(true)
  })

  it('rejects a claim asking for no chats or no jobs', async () => {
    await expect(store.queue.claim(claimInput(T0, { maxChats: 0 }))).rejects.toThrow(RangeError)
    await expect(store.queue.claim(claimInput(T0, { maxJobsPerChat: 0 }))).rejects.toThrow(RangeError)
  })
})
