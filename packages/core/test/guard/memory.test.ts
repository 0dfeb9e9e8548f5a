import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LeaseLostError, memoryGuard } from '@keygram/core'
import { describe, expect, it, vi } from 'vitest'

function manualClock(start = 1_700_000_000_000) {
  let now = start
  return { clock: () => now, advance: (ms: number) => (now += ms) }
}

describe('memoryGuard', () => {
  it('follows the injected clock for expiry and takeover', async () => {
    const time = manualClock()
    const guard = memoryGuard({ clock: time.clock })
    const first = await guard.acquire({ name: 'polling:1', ttl: 10_000, holder: 'a' })
    expect(first?.expiresAt).toBe(time.clock() + 10_000)
    time.advance(9_999)
    expect(await guard.acquire({ name: 'polling:1', ttl: 10_000, holder: 'b' })).toBeNull()
    time.advance(1)
    const second = await guard.acquire({ name: 'polling:1', ttl: 10_000, holder: 'b' })
    expect(second?.fencingToken).toBe(first!.fencingToken + 1)
    expect(first!.signal.aborted).toBe(true)
    expect(first!.signal.reason).toBeInstanceOf(LeaseLostError)
    expect(await guard.inspect('polling:1')).toEqual({
      name: 'polling:1',
      holder: 'b',
      fencingToken: second!.fencingToken,
      expiresAt: time.clock() + 10_000,
    })
    guard.close()
  })

  it('renew moves expiresAt to now + ttl by the injected clock', async () => {
    const time = manualClock()
    const guard = memoryGuard({ clock: time.clock })
    const lease = (await guard.acquire({ name: 'n', ttl: 1000 }))!
    time.advance(600)
    expect(await lease.renew()).toBe(true)
    expect(lease.expiresAt).toBe(time.clock() + 1000)
    time.advance(1000)
    expect(await lease.renew()).toBe(false)
    expect((lease.signal.reason as LeaseLostError).reason).toBe('expired')
  })

  it('names the cause of the loss in the abort reason', async () => {
    const guard = memoryGuard()
    const released = (await guard.acquire({ name: 'released', ttl: 1000 }))!
    await released.release()
    expect(released.signal.reason).toMatchObject({
      name: 'LeaseLostError',
      leaseName: 'released',
      reason: 'released',
    })

    const closed = (await guard.acquire({ name: 'closed', ttl: 1000 }))!
    guard.close()
    expect(closed.signal.reason).toMatchObject({ reason: 'closed' })
    expect(await guard.inspect('closed')).toBeNull()
  })

  it('aborts at expiry by a real timer', async () => {
    const guard = memoryGuard()
    const lease = (await guard.acquire({ name: 'timer', ttl: 50 }))!
    await vi.waitFor(() => expect(lease.signal.aborted).toBe(true), { timeout: 1000, interval: 5 })
    expect((lease.signal.reason as LeaseLostError).reason).toBe('expired')
  })

  it('rejects a ttl that is not positive', async () => {
    await expect(memoryGuard().acquire({ name: 'x', ttl: 0 })).rejects.toThrow(RangeError)
  })

  it('does not keep a process alive for a lease expiry timer', () => {
    const guardModule = fileURLToPath(new URL('../../src/guard/memory.ts', import.meta.url))
    const script = `const { memoryGuard } = await import(${JSON.stringify(guardModule)});
      await memoryGuard().acquire({ name: 'long', ttl: 60_000 }); console.log('acquired')`
    const started = Date.now()
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('acquired')
    expect(child.status).toBe(0)
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
