import { type KeygramStore, memoryStore, type NewJob } from '@keygram/core'
import { describe, expect, it } from 'vitest'

const T = 1_700_000_000_000

function job(chatId: string, text: string): NewJob {
  return {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
}

async function enqueue(store: KeygramStore, key: string, now: number, ...jobs: NewJob[]) {
  return store.queue.enqueue({ deliveryKey: key, dedupeTtlMs: 60_000, jobs, now })
}

const claimAll = (store: KeygramStore, now: number, maxChats = 10) =>
  store.queue.claim({ workerId: 'w', now, leaseMs: 10_000, maxChats, maxJobsPerChat: 10 })

describe('memoryStore', () => {
  it('is named memory, pings, and carries a working guard', async () => {
    const store = memoryStore()
    expect(store.name).toBe('memory')
    await expect(store.ping()).resolves.toBeUndefined()
    const lease = await store.guard.acquire({ name: 'polling', ttl: 1000 })
    expect(await store.guard.acquire({ name: 'polling', ttl: 1000 })).toBeNull()
    await lease?.release()
  })

  it('keeps its own copies: callers mutating inputs or results change nothing stored', async () => {
    const store = memoryStore()
    const input = job('1', 'original')
    await enqueue(store, 'k', T, input)
    input.message.text = 'mutated input'
    const [first] = await claimAll(store, T)
    first!.jobs[0]!.message.text = 'mutated claim'
    await store.queue.settle('1', first!.claimToken, { now: T })
    const [again] = await claimAll(store, T + 1)
    expect(again!.jobs[0]!.message.text).toBe('original')

    const value = { list: [1] }
    await store.kv.set('v', value)
    value.list.push(2)
    const read = await store.kv.get<{ list: number[] }>('v')
    read!.list.push(3)
    expect(await store.kv.get('v')).toEqual({ list: [1] })
  })

  it('expires key-values by the injected clock', async () => {
    let now = T
    const store = memoryStore({ clock: () => now })
    await store.kv.set('session', 'x', { ttlMs: 1000 })
    now += 999
    expect(await store.kv.get('session')).toBe('x')
    expect(await store.kv.setIfAbsent('session', 'y', { ttlMs: 1000 })).toBe(false)
    now += 1
    expect(await store.kv.get('session')).toBeNull()
    expect(await store.kv.setIfAbsent('session', 'y')).toBe(true)
    now += 1_000_000
    expect(await store.kv.get('session')).toBe('y')
  })

  it('settles only the jobs its claim handed out', async () => {
    const store = memoryStore()
    await enqueue(store, 'k1', T, job('1', 'a'))
    const [claimed] = await claimAll(store, T)
    const { jobIds } = await enqueue(store, 'k2', T + 1, job('1', 'b'))
    // `b` arrived after the claim: naming it must not drop it undelivered.
    await store.queue.settle('1', claimed!.claimToken, {
      done: [claimed!.jobs[0]!.id, jobIds[0]!],
      now: T + 2,
    })
    const [next] = await claimAll(store, T + 3)
    expect(next!.jobs.map((queued) => queued.summaryLine)).toEqual(['b'])
  })

  it('serves chats in turn: a chat just settled waits behind chats already waiting', async () => {
    const store = memoryStore()
    await enqueue(store, 'busy', T, ...['1', '2', '3'].map((n) => job('busy', n)))
    await enqueue(store, 'quiet', T + 10, job('quiet', 'q'))
    const [busy] = await claimAll(store, T + 20, 1)
    expect(busy!.chatId).toBe('busy')
    await store.queue.settle('busy', busy!.claimToken, { done: [busy!.jobs[0]!.id], now: T + 30 })
    const [next] = await claimAll(store, T + 40, 1)
    expect(next!.chatId).toBe('quiet')
  })

  it('counts stats over jobs of the chat, not just the claimed run', async () => {
    const store = memoryStore()
    await enqueue(store, 'k', T, job('1', 'a'), job('1', 'b'))
    await store.queue.claim({ workerId: 'w', now: T, leaseMs: 1000, maxChats: 1, maxJobsPerChat: 1 })
    expect(await store.queue.stats(T)).toMatchObject({ pending: 0, claimed: 2 })
    // Once the claim's lease lapses its jobs count as pending again.
    expect(await store.queue.stats(T + 1001)).toMatchObject({ pending: 2, claimed: 0 })
  })

  it('rejects claim limits below one', async () => {
    const store = memoryStore()
    const input = { workerId: 'w', now: T, leaseMs: 1000, maxChats: 0, maxJobsPerChat: 1 }
    await expect(store.queue.claim(input)).rejects.toThrow(RangeError)
    await expect(store.queue.claim({ ...input, maxChats: 1, maxJobsPerChat: 0 })).rejects.toThrow(RangeError)
  })

  it('refuses work after close and ends live leases', async () => {
    const store = memoryStore()
    const lease = await store.guard.acquire({ name: 'polling', ttl: 60_000 })
    await store.close()
    expect(lease?.signal.aborted).toBe(true)
    await expect(enqueue(store, 'k', T, job('1', 'a'))).rejects.toThrow(/closed/)
    await expect(store.kv.get('x')).rejects.toThrow(/closed/)
    await expect(store.ping()).rejects.toThrow(/closed/)
  })

  it('sweeps expired delivery keys without forgetting live ones', async () => {
    const store = memoryStore()
    const ttlOf = (index: number) => (index % 2 === 0 ? 10 : 1e9)
    // Enough writes to run the periodic sweep several times.
    for (let index = 0; index < 3000; index++) {
      const input = { deliveryKey: `k${index}`, dedupeTtlMs: ttlOf(index), jobs: [], now: T + index }
      expect((await store.queue.enqueue(input)).accepted).toBe(true)
    }
    const now = T + 5000
    for (const index of [0, 1, 1500, 1501, 2998, 2999]) {
      const again = await store.queue.enqueue({ deliveryKey: `k${index}`, dedupeTtlMs: 10, jobs: [], now })
      expect(again.accepted, `k${index}`).toBe(ttlOf(index) === 10)
    }
  })
})
