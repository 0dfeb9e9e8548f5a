import {
  type Lease,
  LeaseLostError,
  LeaseUnavailableError,
  memoryGuard,
  runExclusive,
  type SingleInstanceGuard,
} from '@keygram/core'
import { describe, expect, it, vi } from 'vitest'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A guard whose leases' renew is scripted: each call takes the next answer (`throw` to reject). */
function scriptedRenewGuard(inner: SingleInstanceGuard, answers: (boolean | 'throw')[]): SingleInstanceGuard {
  return {
    inspect: (name) => inner.inspect(name),
    async acquire(options) {
      const lease = await inner.acquire(options)
      if (lease === null) return null
      return {
        ...lease,
        get expiresAt() {
          return lease.expiresAt
        },
        async renew() {
          const answer = answers.shift()
          if (answer === 'throw') throw new Error('ECONNRESET')
          if (answer === false) return false
          return lease.renew()
        },
        release: () => lease.release(),
      }
    },
  }
}

describe('runExclusive', () => {
  it('runs fn holding the lease, returns its result and releases after', async () => {
    const guard = memoryGuard()
    let seen: Lease | undefined
    const result = await runExclusive(
      guard,
      'polling:1',
      async (lease) => {
        seen = lease
        expect(await guard.inspect('polling:1')).toMatchObject({
          holder: 'bot-a',
          fencingToken: lease.fencingToken,
        })
        expect(lease.signal.aborted).toBe(false)
        return 42
      },
      { ttl: 1000, holder: 'bot-a' },
    )
    expect(result).toBe(42)
    expect(await guard.inspect('polling:1')).toBeNull()
    expect(seen?.signal.aborted).toBe(true)
    expect(seen?.signal.reason).toMatchObject({ reason: 'released' })
  })

  it('keeps renewing so the lease outlives its ttl while fn runs', async () => {
    const guard = memoryGuard()
    const ttl = 120
    await runExclusive(
      guard,
      'long',
      async (lease) => {
        const firstExpiry = lease.expiresAt
        for (let check = 0; check < 6; check++) {
          await sleep(ttl / 2)
          expect(await guard.acquire({ name: 'long', ttl, holder: 'rival' })).toBeNull()
        }
        expect(lease.signal.aborted).toBe(false)
        expect(lease.expiresAt).toBeGreaterThan(firstExpiry + ttl)
      },
      { ttl },
    )
  })

  it('releases the lease when fn throws and rejects with fn’s error', async () => {
    const guard = memoryGuard()
    const failure = new Error('poller crashed')
    await expect(
      runExclusive(
        guard,
        'crashy',
        async () => {
          throw failure
        },
        { ttl: 5000 },
      ),
    ).rejects.toBe(failure)
    expect(await guard.inspect('crashy')).toBeNull()
    expect(await guard.acquire({ name: 'crashy', ttl: 1000 })).not.toBeNull()
  })

  it('without retry, rejects naming the current holder and never calls fn', async () => {
    const guard = memoryGuard()
    await guard.acquire({ name: 'taken', ttl: 5000, holder: 'replica-1' })
    const fn = vi.fn(async () => 'ran')
    const attempt = runExclusive(guard, 'taken', fn, { ttl: 1000 })
    await expect(attempt).rejects.toBeInstanceOf(LeaseUnavailableError)
    await expect(attempt).rejects.toThrow(/held by "replica-1"/)
    expect(fn).not.toHaveBeenCalled()
  })

  it('stands by and takes over as soon as the holder releases', async () => {
    const guard = memoryGuard()
    let finishFirst!: () => void
    const firstDone = new Promise<void>((resolve) => {
      finishFirst = resolve
    })
    const tokens: number[] = []
    const first = runExclusive(
      guard,
      'handover',
      async (lease) => {
        tokens.push(lease.fencingToken)
        await firstDone
      },
      { ttl: 1000, holder: 'old' },
    )
    await vi.waitFor(async () => expect(await guard.inspect('handover')).not.toBeNull())

    const onStandby = vi.fn()
    let secondStartedAt = 0
    const second = runExclusive(
      guard,
      'handover',
      async (lease) => {
        secondStartedAt = Date.now()
        tokens.push(lease.fencingToken)
        return lease.holder
      },
      { ttl: 1000, holder: 'new', retry: { interval: 20 }, onStandby },
    )
    await sleep(100)
    expect(secondStartedAt).toBe(0)
    expect(onStandby).toHaveBeenCalledTimes(1)
    expect(onStandby.mock.calls[0]![0]).toMatchObject({ holder: 'old' })

    const releasedAt = Date.now()
    finishFirst()
    await first
    expect(await second).toBe('new')
    expect(secondStartedAt - releasedAt).toBeLessThan(200)
    expect(tokens[1]).toBeGreaterThan(tokens[0]!)
  })

  it('stands by while a crashed holder’s lease runs out, then takes over', async () => {
    const guard = memoryGuard()
    const crashed = (await guard.acquire({ name: 'crash', ttl: 150, holder: 'crashed' }))!
    const started = Date.now()
    const token = await runExclusive(guard, 'crash', async (lease) => lease.fencingToken, {
      ttl: 1000,
      retry: { interval: 10 },
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(token).toBeGreaterThan(crashed.fencingToken)
  })

  it('aborts the lease signal handed to fn when a renewal fails', async () => {
    const guard = scriptedRenewGuard(memoryGuard(), [true, false])
    const outcome = await runExclusive(
      guard,
      'lost',
      (lease) =>
        new Promise<unknown>((resolve) => {
          lease.signal.addEventListener('abort', () => resolve(lease.signal.reason))
        }),
      { ttl: 300, renewEvery: 30 },
    )
    expect(outcome).toBeInstanceOf(LeaseLostError)
    expect((outcome as LeaseLostError).reason).toBe('renew_failed')
  })

  it('aborts the lease signal when the lease expires under it (the process paused past its ttl)', async () => {
    let skew = 0
    const guard = memoryGuard({ clock: () => Date.now() + skew })
    const reason = await runExclusive(
      guard,
      'paused',
      async (lease) => {
        skew = 60_000
        await vi.waitFor(() => expect(lease.signal.aborted).toBe(true), { timeout: 2000, interval: 10 })
        return lease.signal.reason as LeaseLostError
      },
      { ttl: 200 },
    )
    expect(reason).toBeInstanceOf(LeaseLostError)
  })

  it('treats a renewal that throws as a hiccup, not a loss', async () => {
    const guard = scriptedRenewGuard(memoryGuard(), ['throw', 'throw'])
    await runExclusive(
      guard,
      'flaky',
      async (lease) => {
        await sleep(400)
        expect(lease.signal.aborted).toBe(false)
        expect(await guard.inspect('flaky')).not.toBeNull()
      },
      { ttl: 300, renewEvery: 50 },
    )
  })

  it('stops standing by when retry.signal aborts, and refuses at once if it already has', async () => {
    const guard = memoryGuard()
    await guard.acquire({ name: 'busy', ttl: 10_000, holder: 'holder' })
    const stop = new AbortController()
    const fn = vi.fn(async () => {})
    const waiting = runExclusive(guard, 'busy', fn, {
      ttl: 1000,
      retry: { interval: 20, signal: stop.signal },
    })
    await sleep(60)
    stop.abort()
    await expect(waiting).rejects.toThrow(/aborted before the lease was acquired/)

    const free = memoryGuard()
    const already = runExclusive(free, 'free', fn, {
      ttl: 1000,
      retry: { interval: 20, signal: stop.signal },
    })
    await expect(already).rejects.toBeInstanceOf(LeaseUnavailableError)
    expect(await free.inspect('free')).toBeNull()
    expect(fn).not.toHaveBeenCalled()
  })

  it('rejects options that cannot work', async () => {
    const guard = memoryGuard()
    const fn = async () => {}
    await expect(runExclusive(guard, 'x', fn, { ttl: 100, renewEvery: 100 })).rejects.toThrow(RangeError)
    await expect(runExclusive(guard, 'x', fn, { ttl: 0 })).rejects.toThrow(RangeError)
    await expect(runExclusive(guard, 'x', fn, { ttl: 100, retry: { interval: 0 } })).rejects.toThrow(
      RangeError,
    )
    expect(await guard.inspect('x')).toBeNull()
  })
})
