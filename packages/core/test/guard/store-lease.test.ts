import {
  createStoreLease,
  type LeaseLossReason,
  LeaseLostError,
  type RemoteRenewal,
  type StoreLease,
  type StoreLeaseOptions,
} from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const TTL = 100
const START = 1_700_000_000_000

/** A store that answers when the test says so, and counts what it was asked. */
function fakeRemote() {
  const renewals: { clockAtSend: number; answer: (renewal: RemoteRenewal) => void }[] = []
  const remote = {
    renewCalls: 0,
    releaseCalls: 0,
    renewals,
    /** Answers the oldest pending renewal. */
    answer(renewal: RemoteRenewal) {
      const pending = renewals.shift()
      if (pending === undefined) throw new Error('no renewal in flight')
      pending.answer(renewal)
    },
    renewRemote(clockAtSend: number): Promise<RemoteRenewal> {
      remote.renewCalls++
      return new Promise((answer) => renewals.push({ clockAtSend, answer }))
    },
    async releaseRemote(): Promise<void> {
      remote.releaseCalls++
    },
  }
  return remote
}

function leaseOn(remote: ReturnType<typeof fakeRemote>, overrides: Partial<StoreLeaseOptions> = {}) {
  return createStoreLease({
    grant: { id: 'grant-1', name: 'polling:42', holder: 'pod-a', fencingToken: 7 },
    ttlMs: TTL,
    clock: Date.now,
    sentAt: performance.now(),
    clockAtSend: Date.now(),
    renewRemote: (clockAtSend) => remote.renewRemote(clockAtSend),
    releaseRemote: () => remote.releaseRemote(),
    ...overrides,
  })
}

function lossReason(lease: StoreLease): LeaseLossReason | undefined {
  const reason: unknown = lease.signal.reason
  if (reason === undefined) return undefined
  expect(reason).toBeInstanceOf(LeaseLostError)
  expect((reason as LeaseLostError).leaseName).toBe('polling:42')
  return (reason as LeaseLostError).reason
}

describe('createStoreLease', () => {
  beforeEach(() => {
    // Fakes setTimeout, Date and performance.now together, so every duration below is exact.
    vi.useFakeTimers({ now: START })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('carries the grant and reports its expiry on the store clock from the moment of sending', () => {
    const lease = leaseOn(fakeRemote(), { clockAtSend: START - 40 })
    expect(lease).toMatchObject({ id: 'grant-1', name: 'polling:42', holder: 'pod-a', fencingToken: 7 })
    expect(lease.expiresAt).toBe(START - 40 + TTL)
    expect(lease.signal.aborted).toBe(false)
  })

  it('expires locally: aborts with reason expired and frees the grant once', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    await vi.advanceTimersByTimeAsync(TTL - 1)
    expect(lease.signal.aborted).toBe(false)
    expect(remote.releaseCalls).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(lease.signal.aborted).toBe(true)
    expect(lossReason(lease)).toBe('expired')
    expect(remote.releaseCalls).toBe(1)
    await vi.advanceTimersByTimeAsync(TTL * 10)
    expect(remote.releaseCalls).toBe(1)
  })

  it('counts the first expiry from when the granting request was sent, not from when it returned', async () => {
    const sentAt = performance.now()
    await vi.advanceTimersByTimeAsync(40)
    const lease = leaseOn(fakeRemote(), { sentAt, clockAtSend: START })
    await vi.advanceTimersByTimeAsync(59)
    expect(lease.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(lossReason(lease)).toBe('expired')
  })

  it('extends from when the renewal was sent: one that took 40 ms of a 100 ms ttl leaves 60 ms', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    await vi.advanceTimersByTimeAsync(50)
    const renewing = lease.renew()
    expect(remote.renewals[0]?.clockAtSend).toBe(START + 50)
    await vi.advanceTimersByTimeAsync(40)
    remote.answer({ renewed: true })
    expect(await renewing).toBe(true)
    expect(lease.expiresAt).toBe(START + 50 + TTL)
    // Past the first expiry (START + 100), 59 ms after the answer: still held.
    await vi.advanceTimersByTimeAsync(59)
    expect(lease.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(lossReason(lease)).toBe('expired')
  })

  it('gives back a renewal the store granted after the lease was released locally', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    const renewing = lease.renew()
    await lease.release()
    expect(remote.releaseCalls).toBe(1)
    remote.answer({ renewed: true })
    expect(await renewing).toBe(false)
    expect(remote.releaseCalls).toBe(2)
    expect(lossReason(lease)).toBe('released')
    // The late renewal did not re-arm anything: no expiry release follows.
    await vi.advanceTimersByTimeAsync(TTL * 10)
    expect(remote.releaseCalls).toBe(2)
  })

  it('gives back a renewal answered after the lease expired locally', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    await vi.advanceTimersByTimeAsync(90)
    const renewing = lease.renew()
    await vi.advanceTimersByTimeAsync(10)
    expect(lossReason(lease)).toBe('expired')
    expect(remote.releaseCalls).toBe(1)
    remote.answer({ renewed: true })
    expect(await renewing).toBe(false)
    expect(remote.releaseCalls).toBe(2)
    expect(lossReason(lease)).toBe('expired')
  })

  it('does not release for a refused renewal that comes back after the lease was lost', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    const renewing = lease.renew()
    lease.end('closed')
    remote.answer({ renewed: false, lostReason: 'taken_over' })
    expect(await renewing).toBe(false)
    expect(remote.releaseCalls).toBe(0)
    expect(lossReason(lease)).toBe('closed')
  })

  it('renew after a loss resolves false without asking the store', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    lease.end('closed')
    expect(await lease.renew()).toBe(false)
    expect(remote.renewCalls).toBe(0)
  })

  it('a refused renewal ends the lease with the reason the store gave, or expired', async () => {
    const remote = fakeRemote()
    const takenOver = leaseOn(remote)
    const first = takenOver.renew()
    remote.answer({ renewed: false, lostReason: 'taken_over' })
    expect(await first).toBe(false)
    expect(lossReason(takenOver)).toBe('taken_over')

    const lapsed = leaseOn(remote)
    const second = lapsed.renew()
    remote.answer({ renewed: false })
    expect(await second).toBe(false)
    expect(lossReason(lapsed)).toBe('expired')
    // Losing is not giving up a grant: the store no longer holds it for us.
    expect(remote.releaseCalls).toBe(0)
  })

  it('keeps the lease as it was when the store fails to answer a renewal', async () => {
    const lease = leaseOn(fakeRemote(), {
      renewRemote: () => Promise.reject(new Error('connection reset')),
    })
    await vi.advanceTimersByTimeAsync(50)
    await expect(lease.renew()).rejects.toThrow('connection reset')
    expect(lease.signal.aborted).toBe(false)
    expect(lease.expiresAt).toBe(START + TTL)
    await vi.advanceTimersByTimeAsync(50)
    expect(lossReason(lease)).toBe('expired')
  })

  it('release is idempotent: one remote release, one promise, reason released', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    const first = lease.release()
    const second = lease.release()
    expect(second).toBe(first)
    await first
    await lease.release()
    expect(remote.releaseCalls).toBe(1)
    expect(lossReason(lease)).toBe('released')
    // The alarm is off: no expiry release later.
    await vi.advanceTimersByTimeAsync(TTL * 10)
    expect(remote.releaseCalls).toBe(1)
  })

  it('keeps the first reason: a later end, release or expiry does not replace it', async () => {
    const remote = fakeRemote()
    const lease = leaseOn(remote)
    lease.end('taken_over')
    const firstReason = lease.signal.reason
    lease.end('closed')
    await lease.release()
    await vi.advanceTimersByTimeAsync(TTL * 10)
    expect(lease.signal.reason).toBe(firstReason)
    expect(lossReason(lease)).toBe('taken_over')
    // The release still reaches the store; the stopped alarm frees nothing.
    expect(remote.releaseCalls).toBe(1)
  })

  it('tells its store once when it ends, before the signal listeners run', async () => {
    const ended: StoreLease[] = []
    const live = new Set<StoreLease>()
    const lease = leaseOn(fakeRemote(), {
      onEnd: (endedLease) => {
        ended.push(endedLease)
        live.delete(endedLease)
      },
    })
    live.add(lease)
    let liveWhenAborted: boolean | undefined
    lease.signal.addEventListener('abort', () => {
      liveWhenAborted = live.has(lease)
    })
    await vi.advanceTimersByTimeAsync(TTL)
    lease.end('closed')
    await lease.release()
    expect(ended).toEqual([lease])
    expect(liveWhenAborted).toBe(false)
  })

  it('swallows a failing best-effort release at expiry', async () => {
    const releaseRemote = vi.fn(() => Promise.reject(new Error('store down')))
    const lease = leaseOn(fakeRemote(), { releaseRemote })
    await vi.advanceTimersByTimeAsync(TTL)
    expect(lossReason(lease)).toBe('expired')
    expect(releaseRemote).toHaveBeenCalledTimes(1)
    // An explicit release still reports the failure to its caller.
    await expect(lease.release()).rejects.toThrow('store down')
  })

  it('rejects a ttl that is not a positive number of ms', () => {
    expect(() => leaseOn(fakeRemote(), { ttlMs: 0 })).toThrow(RangeError)
    expect(() => leaseOn(fakeRemote(), { ttlMs: Number.NaN })).toThrow(RangeError)
  })
})
