import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LeaseLostError } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { REDIS_URL, redisFixture, uniquePrefix } from './helpers.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('redisStore guard', () => {
  let fixture: ReturnType<typeof redisFixture>

  beforeEach(() => {
    fixture = redisFixture({ clock: () => 5_000_000 })
  })
  afterEach(() => fixture.cleanup())

  it('stores the lease with a Redis PX and keeps the fencing counter after the lease is gone', async () => {
    const { guard } = await fixture.open()
    const admin = await fixture.admin()
    const lease = await guard.acquire({ name: 'polling:42', ttl: 10_000, holder: 'pod|a' })
    expect(lease).not.toBeNull()
    const key = `${fixture.prefix}lease:polling:42`
    expect(await admin.pttl(key)).toBeGreaterThan(9000)
    // A holder may contain the separator; it still reads back whole.
    expect(await guard.inspect('polling:42')).toMatchObject({
      holder: 'pod|a',
      fencingToken: lease!.fencingToken,
    })
    await lease!.release()
    expect(await admin.exists(key)).toBe(0)
    expect(Number(await admin.get(`${fixture.prefix}fence:polling:42`))).toBe(lease!.fencingToken)
    const next = await guard.acquire({ name: 'polling:42', ttl: 10_000 })
    expect(next!.fencingToken).toBe(lease!.fencingToken + 1)
    await next!.release()
  })

  it('reports expiries on the store clock', async () => {
    const { guard } = await fixture.open()
    const lease = await guard.acquire({ name: 'clocked', ttl: 10_000 })
    expect(lease!.expiresAt).toBe(5_010_000)
    const info = await guard.inspect('clocked')
    expect(info!.expiresAt).toBeGreaterThan(5_009_000)
    expect(info!.expiresAt).toBeLessThanOrEqual(5_010_000)
    await lease!.release()
  })

  it('aborts with a reason naming the lease, and renew after a takeover does not extend the new lease', async () => {
    const [a, b] = [await fixture.open(), await fixture.open()]
    const admin = await fixture.admin()
    const lease = await a.guard.acquire({ name: 'n', ttl: 10_000 })
    // Simulate the key vanishing (e.g. a failover that lost it) and a rival taking over.
    await admin.del(`${fixture.prefix}lease:n`)
    const rival = await b.guard.acquire({ name: 'n', ttl: 10_000, holder: 'rival' })
    expect(await lease!.renew()).toBe(false)
    expect(lease!.signal.aborted).toBe(true)
    expect(String((lease!.signal.reason as Error).message)).toContain('"n" lost')
    // The key holds the rival's grant when the renewal arrives.
    expect(lease!.signal.reason).toBeInstanceOf(LeaseLostError)
    expect(lease!.signal.reason).toMatchObject({ leaseName: 'n', reason: 'taken_over' })
    const pttl = await admin.pttl(`${fixture.prefix}lease:n`)
    expect(pttl).toBeGreaterThan(9000)
    expect((await a.guard.inspect('n'))!.holder).toBe('rival')
    await rival!.release()
  })

  it('a renewal that finds the key gone, with nobody holding it, reads as expired', async () => {
    const { guard } = await fixture.open()
    const admin = await fixture.admin()
    const lease = await guard.acquire({ name: 'lapsed', ttl: 10_000 })
    await admin.del(`${fixture.prefix}lease:lapsed`)
    expect(await lease!.renew()).toBe(false)
    expect(lease!.signal.reason).toMatchObject({ leaseName: 'lapsed', reason: 'expired' })
    expect(await guard.inspect('lapsed')).toBeNull()
  })

  it('renew keeps the signal alive past the original ttl', async () => {
    const { guard } = await fixture.open()
    // Wide margins (hundreds of ms) so a busy machine cannot flip the outcome.
    const lease = await guard.acquire({ name: 'renewed', ttl: 1000 })
    await sleep(600)
    expect(await lease!.renew()).toBe(true)
    await sleep(600)
    // Past the original expiry, well before the renewed one.
    expect(lease!.signal.aborted).toBe(false)
    await vi.waitFor(() => expect(lease!.signal.aborted).toBe(true), { timeout: 3000, interval: 20 })
    expect(await guard.inspect('renewed')).toBeNull()
  })

  it('does not keep the process alive: a child holding a 60 s lease exits once it closes the store', () => {
    const script = fileURLToPath(new URL('./fixtures/hold-lease.ts', import.meta.url))
    const started = Date.now()
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, REDIS_URL, uniquePrefix()], {
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('acquired')
    expect(child.status).toBe(0)
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
