/**
 * The conformance suite every {@link SingleInstanceGuard} implementation runs.
 *
 * @module
 */
import type { Lease, SingleInstanceGuard } from '@keygram/core'
import { afterEach, describe, expect, it, vi } from 'vitest'

/** What a {@link GuardFactory} call returns. */
export interface GuardHandle {
  guard: SingleInstanceGuard
  /** Closes what this call opened (connections, files). Runs after each test. */
  cleanup?: () => Promise<void>
}

/**
 * Opens a guard. Every call must reach the SAME backend (e.g. a new connection to one SQLite file or one
 * Redis prefix): the suite calls it several times to play several processes competing for one lease.
 */
export type GuardFactory = () => Promise<GuardHandle>

/** Options of {@link testGuard}. */
export interface GuardSuiteOptions {
  /** Multiplies every lease ttl and wait (default 1, i.e. 200 ms leases); raise it for slow backends. */
  ttlScale?: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Registers the guard conformance suite (vitest `describe`/`it`): mutual exclusion under concurrent
 * acquires, expiry, renewal, strictly increasing fencing tokens, release, aborted signals and `inspect`.
 * Lease names are random per test, so a backend shared across tests needs no reset.
 */
export function testGuard(name: string, factory: GuardFactory, options: GuardSuiteOptions = {}): void {
  const scale = options.ttlScale ?? 1
  const ttl = Math.round(200 * scale)
  // Generous on purpose: it catches seconds-for-milliseconds and wrong-epoch bugs, not scheduler jitter.
  const expiryTolerance = 1000 * scale
  const waitOptions = { timeout: ttl * 10, interval: Math.max(5, Math.round(ttl / 20)) }

  describe(`SingleInstanceGuard conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = []
    const granted: Lease[] = []

    afterEach(async () => {
      await Promise.all(granted.splice(0).map((lease) => lease.release().catch(() => {})))
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function open(): Promise<SingleInstanceGuard> {
      const handle = await factory()
      if (handle.cleanup) cleanups.push(handle.cleanup)
      const { guard } = handle
      // Remember every grant so a failing test does not leave timers and rows behind.
      return {
        async acquire(acquireOptions) {
          const lease = await guard.acquire(acquireOptions)
          if (lease) granted.push(lease)
          return lease
        },
        inspect: (leaseName) => guard.inspect(leaseName),
      }
    }

    const uniqueName = () => `conformance:${crypto.randomUUID()}`

    async function mustAcquire(
      guard: SingleInstanceGuard,
      leaseName: string,
      holder: string,
      leaseTtl = ttl,
    ) {
      const lease = await guard.acquire({ name: leaseName, ttl: leaseTtl, holder })
      expect(lease, `${holder} should get "${leaseName}"`).not.toBeNull()
      return lease!
    }

    it('grants a lease carrying its name, holder, fencing token and expiry', async () => {
      const guard = await open()
      const leaseName = uniqueName()
      const before = Date.now()
      const lease = await mustAcquire(guard, leaseName, 'worker-a')
      expect(lease.name).toBe(leaseName)
      expect(lease.holder).toBe('worker-a')
      expect(typeof lease.id).toBe('string')
      expect(lease.id.length).toBeGreaterThan(0)
      expect(Number.isInteger(lease.fencingToken)).toBe(true)
      expect(lease.fencingToken).toBeGreaterThan(0)
      expect(Math.abs(lease.expiresAt - (before + ttl))).toBeLessThanOrEqual(expiryTolerance)
      expect(lease.signal.aborted).toBe(false)

      const info = await guard.inspect(leaseName)
      expect(info).toMatchObject({ name: leaseName, holder: 'worker-a', fencingToken: lease.fencingToken })
      expect(Math.abs(info!.expiresAt - lease.expiresAt)).toBeLessThanOrEqual(expiryTolerance)
    })

    it('defaults the holder to a non-empty id', async () => {
      const guard = await open()
      const lease = await guard.acquire({ name: uniqueName(), ttl })
      expect(lease).not.toBeNull()
      expect(typeof lease!.holder).toBe('string')
      expect(lease!.holder.length).toBeGreaterThan(0)
    })

    it('grants exactly one lease to 20 concurrent acquires from two processes', async () => {
      const guards = [await open(), await open()]
      const leaseName = uniqueName()
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          guards[index % 2]!.acquire({ name: leaseName, ttl: ttl * 20, holder: `candidate-${index}` }),
        ),
      )
      const winners = results.filter((lease) => lease !== null)
      expect(winners).toHaveLength(1)
      expect((await guards[0]!.inspect(leaseName))?.holder).toBe(winners[0]!.holder)
      expect((await guards[1]!.inspect(leaseName))?.holder).toBe(winners[0]!.holder)
    })

    it('refuses a second acquire while the lease is live', async () => {
      const [first, second] = [await open(), await open()]
      const leaseName = uniqueName()
      await mustAcquire(first, leaseName, 'holder', ttl * 20)
      expect(await second.acquire({ name: leaseName, ttl, holder: 'rival' })).toBeNull()
      expect(await first.acquire({ name: leaseName, ttl, holder: 'rival' })).toBeNull()
      expect((await second.inspect(leaseName))?.holder).toBe('holder')
    })

    it('keeps leases of different names independent', async () => {
      const guard = await open()
      const a = await mustAcquire(guard, uniqueName(), 'same-holder')
      const b = await mustAcquire(guard, uniqueName(), 'same-holder')
      expect(a.signal.aborted || b.signal.aborted).toBe(false)
    })

    it('lets the next candidate in at once after release, and release is idempotent', async () => {
      const [first, second] = [await open(), await open()]
      const leaseName = uniqueName()
      const lease = await mustAcquire(first, leaseName, 'leaving', ttl * 20)
      await lease.release()
      expect(lease.signal.aborted).toBe(true)
      await expect(lease.release()).resolves.toBeUndefined()
      expect(await second.inspect(leaseName)).toBeNull()
      const next = await mustAcquire(second, leaseName, 'arriving', ttl * 20)
      expect(next.fencingToken).toBeGreaterThan(lease.fencingToken)
      // A late release of the old grant must not free the new holder's lease.
      await lease.release()
      expect((await first.inspect(leaseName))?.holder).toBe('arriving')
      expect(next.signal.aborted).toBe(false)
    })

    it('renew extends the lease past its original expiry and keeps the fencing token', async () => {
      const [holderGuard, rivalGuard] = [await open(), await open()]
      const leaseName = uniqueName()
      const lease = await mustAcquire(holderGuard, leaseName, 'renewer')
      const firstExpiry = lease.expiresAt
      const started = Date.now()
      while (Date.now() - started < ttl * 2.5) {
        await sleep(ttl / 3)
        expect(await lease.renew()).toBe(true)
        expect(await rivalGuard.acquire({ name: leaseName, ttl, holder: 'rival' })).toBeNull()
      }
      expect(lease.signal.aborted).toBe(false)
      expect(lease.expiresAt).toBeGreaterThan(firstExpiry)
      expect(await rivalGuard.inspect(leaseName)).toMatchObject({
        holder: 'renewer',
        fencingToken: lease.fencingToken,
      })
    })

    it('expires a lease its holder stops renewing; the taker gets a greater token', async () => {
      const [holderGuard, rivalGuard] = [await open(), await open()]
      const leaseName = uniqueName()
      const started = Date.now()
      const stalled = await mustAcquire(holderGuard, leaseName, 'stalled')
      expect(await rivalGuard.acquire({ name: leaseName, ttl, holder: 'rival' })).toBeNull()

      let taker: Lease | null = null
      await vi.waitFor(async () => {
        taker = await rivalGuard.acquire({ name: leaseName, ttl: ttl * 20, holder: 'rival' })
        expect(taker).not.toBeNull()
      }, waitOptions)
      // Never granted early: the stalled holder was promised at least ttl.
      expect(Date.now() - started).toBeGreaterThanOrEqual(ttl - 10)
      const takeover = taker as unknown as Lease
      expect(takeover.fencingToken).toBeGreaterThan(stalled.fencingToken)
      await vi.waitFor(() => expect(stalled.signal.aborted).toBe(true), waitOptions)
      expect(await stalled.renew()).toBe(false)
      // The failed renew must not have disturbed the new holder.
      expect((await holderGuard.inspect(leaseName))?.holder).toBe('rival')
      expect(takeover.signal.aborted).toBe(false)
    })

    it('aborts the signal at expiry even when nobody calls the guard', async () => {
      const guard = await open()
      const leaseName = uniqueName()
      const lease = await mustAcquire(guard, leaseName, 'idle')
      await sleep(ttl / 2)
      expect(lease.signal.aborted).toBe(false)
      await vi.waitFor(() => expect(lease.signal.aborted).toBe(true), waitOptions)
      expect(await lease.renew()).toBe(false)
      expect(await guard.inspect(leaseName)).toBeNull()
    })

    it('renew of a released lease resolves false and does not bring it back', async () => {
      const guard = await open()
      const leaseName = uniqueName()
      const lease = await mustAcquire(guard, leaseName, 'gone')
      await lease.release()
      expect(await lease.renew()).toBe(false)
      expect(await guard.inspect(leaseName)).toBeNull()
    })

    it('hands out strictly increasing fencing tokens across release, expiry and takeover', async () => {
      const [a, b] = [await open(), await open()]
      const leaseName = uniqueName()
      const tokens: number[] = []

      const first = await mustAcquire(a, leaseName, 'a')
      tokens.push(first.fencingToken)
      await first.release()
      const second = await mustAcquire(b, leaseName, 'b')
      tokens.push(second.fencingToken)
      // Let the second lapse, then take over from the other process.
      let third: Lease | null = null
      await vi.waitFor(async () => {
        third = await a.acquire({ name: leaseName, ttl, holder: 'a' })
        expect(third).not.toBeNull()
      }, waitOptions)
      tokens.push((third as unknown as Lease).fencingToken)
      await (third as unknown as Lease).release()
      for (let round = 0; round < 3; round++) {
        const lease = await mustAcquire(round % 2 === 0 ? b : a, leaseName, `round-${round}`)
        tokens.push(lease.fencingToken)
        await lease.release()
      }
      for (let index = 1; index < tokens.length; index++) {
        expect(tokens[index]!, `token ${index} of ${tokens.join(', ')}`).toBeGreaterThan(tokens[index - 1]!)
      }
    })

    it('inspect reports nothing for a free name, the holder while held, nothing after release', async () => {
      const guard = await open()
      const leaseName = uniqueName()
      expect(await guard.inspect(leaseName)).toBeNull()
      const lease = await mustAcquire(guard, leaseName, 'inspected')
      expect(await guard.inspect(leaseName)).toMatchObject({ name: leaseName, holder: 'inspected' })
      await lease.release()
      expect(await guard.inspect(leaseName)).toBeNull()
    })
  })
}
