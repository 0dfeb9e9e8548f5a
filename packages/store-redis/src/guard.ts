/**
 * The single-instance guard on Redis: `SET NX PX` plus a per-name fencing counter in one script,
 * compare-and-extend / compare-and-delete scripts for renew and release (the single-instance lock
 * described in Redis' distributed-lock documentation).
 *
 * The key's `PX` expiry in Redis is authoritative for who may take a lease over. Locally, a lease also
 * aborts its signal when its ttl has run out since the request that granted or renewed it was sent,
 * which is never later than Redis lets the key expire.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  type AcquireOptions,
  createStoreLease,
  type Lease,
  type LeaseInfo,
  type SingleInstanceGuard,
} from '@keygram/core'
import { toPx } from './px.ts'
import type { KeygramRedis } from './scripts.ts'

/** Splits a stored lease value `id|fencingToken|holder` (the holder may itself contain `|`). */
export function parseLeaseValue(value: string): { id: string; fencingToken: number; holder: string } | null {
  const first = value.indexOf('|')
  const second = value.indexOf('|', first + 1)
  if (first < 0 || second < 0) return null
  return {
    id: value.slice(0, first),
    fencingToken: Number(value.slice(first + 1, second)),
    holder: value.slice(second + 1),
  }
}

interface LeaseKeys {
  lease: string
  fence: string
}

/** A {@link SingleInstanceGuard} on Redis under `<prefix>lease:` and `<prefix>fence:`. */
export class RedisGuard implements SingleInstanceGuard {
  readonly #redis: KeygramRedis
  readonly #prefix: string
  readonly #clock: () => number

  /** @param clock epoch ms, used for the `expiresAt` the guard reports. */
  constructor(redis: KeygramRedis, prefix: string, clock: () => number) {
    this.#redis = redis
    this.#prefix = prefix
    this.#clock = clock
  }

  #keys(name: string): LeaseKeys {
    return { lease: `${this.#prefix}lease:${name}`, fence: `${this.#prefix}fence:${name}` }
  }

  /** {@inheritDoc SingleInstanceGuard.acquire} */
  async acquire(options: AcquireOptions): Promise<Lease | null> {
    const keys = this.#keys(options.name)
    const ttl = toPx(options.ttl)
    const id = randomUUID()
    const holder = options.holder ?? `redis-${randomUUID()}`
    const sentAt = performance.now()
    const clockAtSend = this.#clock()
    const token = await this.#redis.keygramLeaseAcquire(keys.lease, keys.fence, id, holder, ttl)
    if (token === null) return null
    const redis = this.#redis
    return createStoreLease({
      grant: { id, name: options.name, holder, fencingToken: Number(token) },
      ttlMs: ttl,
      clock: this.#clock,
      sentAt,
      clockAtSend,
      // The scripts extend and delete the key only while it still holds this grant's id.
      renewRemote: async () => {
        const answer = Number(await redis.keygramLeaseRenew(keys.lease, id, ttl))
        if (answer === 1) return { renewed: true }
        return { renewed: false, lostReason: answer === 2 ? 'taken_over' : 'expired' }
      },
      releaseRemote: async () => {
        await redis.keygramLeaseRelease(keys.lease, id)
      },
    })
  }

  /** {@inheritDoc SingleInstanceGuard.inspect} */
  async inspect(name: string): Promise<LeaseInfo | null> {
    const snapshot = await this.#redis.keygramLeaseInspect(this.#keys(name).lease)
    if (snapshot === null) return null
    const [value, pttl] = snapshot
    const lease = parseLeaseValue(value)
    if (lease === null) return null
    const ttlLeft = Number(pttl)
    return {
      name,
      holder: lease.holder,
      fencingToken: lease.fencingToken,
      expiresAt: ttlLeft >= 0 ? this.#clock() + ttlLeft : Number.MAX_SAFE_INTEGER,
    }
  }
}
