import { type KeygramStore, LeaseLostError } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { storeFixture } from './helpers.ts'

let fixture: ReturnType<typeof storeFixture>
let a: KeygramStore
let b: KeygramStore
beforeEach(() => {
  fixture = storeFixture()
  a = fixture.open()
  b = fixture.open()
})
afterEach(async () => {
  await fixture.cleanup()
})

describe('sqlite guard', () => {
  it('grants one live lease per name across connections and shows the holder', async () => {
    const leases = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? b : a).guard.acquire({ name: 'poll', ttl: 10_000, holder: `h${i}` }),
      ),
    )
    const granted = leases.filter((l) => l !== null)
    expect(granted).toHaveLength(1)
    const lease = granted[0]!
    expect(await b.guard.inspect('poll')).toEqual({
      name: 'poll',
      holder: lease.holder,
      fencingToken: lease.fencingToken,
      expiresAt: lease.expiresAt,
    })
    expect(await a.guard.inspect('other')).toBeNull()
    await lease.release()
  })

  it('release lets the next one in at once with a greater fencing token, and aborts the signal', async () => {
    const first = (await a.guard.acquire({ name: 'poll', ttl: 10_000 }))!
    expect(await b.guard.acquire({ name: 'poll', ttl: 10_000 })).toBeNull()
    await first.release()
    expect(first.signal.aborted).toBe(true)
    expect(await a.guard.inspect('poll')).toBeNull()
    const second = (await b.guard.acquire({ name: 'poll', ttl: 10_000 }))!
    expect(second.fencingToken).toBe(first.fencingToken + 1)
    // A stale release must not delete the new holder's row.
    await first.release()
    expect((await a.guard.inspect('poll'))?.fencingToken).toBe(second.fencingToken)
    expect(await first.renew()).toBe(false)
    await second.release()
  })

  it('expires without renewal: signal aborts by itself, another takes over, the old renew fails', async () => {
    const first = (await a.guard.acquire({ name: 'poll', ttl: 150, holder: 'one' }))!
    await vi.waitFor(() => expect(first.signal.aborted).toBe(true), { timeout: 2_000, interval: 10 })
    expect(String(first.signal.reason)).toMatch(/expired/)
    const second = (await b.guard.acquire({ name: 'poll', ttl: 10_000, holder: 'two' }))!
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken)
    expect(await first.renew()).toBe(false)
    expect((await a.guard.inspect('poll'))?.holder).toBe('two')
    await second.release()
  })

  it('renew extends the lease past its first expiry', async () => {
    const lease = (await a.guard.acquire({ name: 'poll', ttl: 200 }))!
    const firstExpiry = lease.expiresAt
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80))
      expect(await lease.renew()).toBe(true)
    }
    expect(lease.expiresAt).toBeGreaterThan(firstExpiry)
    expect(Date.now()).toBeGreaterThan(firstExpiry)
    expect(lease.signal.aborted).toBe(false)
    expect(await b.guard.acquire({ name: 'poll', ttl: 200 })).toBeNull()
    await lease.release()
  })

  it('a renew after another process took over an expired lease resolves false and aborts', async () => {
    let now = 0
    const clocked = storeFixture({ clock: () => now })
    try {
      const x = clocked.open()
      const y = clocked.open()
      const first = (await x.guard.acquire({ name: 'n', ttl: 60_000 }))!
      now = 60_000
      const second = (await y.guard.acquire({ name: 'n', ttl: 60_000 }))!
      expect(second.fencingToken).toBe(first.fencingToken + 1)
      expect(await first.renew()).toBe(false)
      expect(first.signal.aborted).toBe(true)
      expect(first.signal.reason).toBeInstanceOf(LeaseLostError)
      expect((first.signal.reason as LeaseLostError).reason).toBe('taken_over')
      expect(second.signal.aborted).toBe(false)
      await second.release()
    } finally {
      await clocked.cleanup()
    }
  })

  it('fencing tokens keep increasing per name and are independent across names', async () => {
    const tokens: number[] = []
    for (let i = 0; i < 5; i++) {
      const lease = (await (i % 2 ? b : a).guard.acquire({ name: 'poll', ttl: 10_000 }))!
      tokens.push(lease.fencingToken)
      await lease.release()
    }
    expect(tokens).toEqual([1, 2, 3, 4, 5])
    const other = (await a.guard.acquire({ name: 'other', ttl: 10_000 }))!
    expect(other.fencingToken).toBe(1)
    await other.release()
  })

  it('close aborts the leases it handed out', async () => {
    const lease = (await a.guard.acquire({ name: 'poll', ttl: 10_000 }))!
    await a.close()
    expect(lease.signal.aborted).toBe(true)
  })
})
