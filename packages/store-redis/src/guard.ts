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
import type { AcquireOptions, Lease, LeaseInfo, SingleInstanceGuard } from '@keygram/core'
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

class RedisLease implements Lease {
  readonly id: string
  readonly name: string
  readonly holder: string
  readonly fencingToken: number
  readonly #redis: KeygramRedis
  readonly #key: string
  readonly #ttl: number
  readonly #clock: () => number
  readonly #controller = new AbortController()
  #expiresAt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #released: Promise<void> | undefined

  constructor(
    redis: KeygramRedis,
    key: string,
    grant: Omit<Lease, 'renew' | 'release' | 'signal' | 'expiresAt'>,
    ttl: number,
    clock: () => number,
  ) {
    this.#redis = redis
    this.#key = key
    this.id = grant.id
    this.name = grant.name
    this.holder = grant.holder
    this.fencingToken = grant.fencingToken
    this.#ttl = ttl
    this.#clock = clock
  }

  get expiresAt(): number {
    return this.#expiresAt
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Starts (or restarts) the local expiry: `sentAt` is `performance.now()` when the request was sent. */
  extendFrom(sentAt: number, clockAtSend: number): void {
    this.#expiresAt = clockAtSend + this.#ttl
    clearTimeout(this.#timer)
    const left = this.#ttl - (performance.now() - sentAt)
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, left))
    // A lease must not keep the process alive on its own.
    if (typeof this.#timer === 'object' && 'unref' in this.#timer) this.#timer.unref()
  }

  async renew(): Promise<boolean> {
    if (this.signal.aborted) return false
    const sentAt = performance.now()
    const clockAtSend = this.#clock()
    const extended = Number(await this.#redis.keygramLeaseRenew(this.#key, this.id, this.#ttl)) === 1
    if (this.signal.aborted) {
      // Lost locally (expired or released) while the renewal was in flight: do not keep a key we gave up.
      if (extended) await this.#redis.keygramLeaseRelease(this.#key, this.id)
      return false
    }
    if (!extended) {
      this.#lose('taken over or expired in Redis')
      return false
    }
    this.extendFrom(sentAt, clockAtSend)
    return true
  }

  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#lose('released')
      await this.#redis.keygramLeaseRelease(this.#key, this.id)
    })()
    return this.#released
  }

  #expire(): void {
    this.#lose('expired')
    // Redis drops the key a moment later anyway; freeing it now keeps inspect() in step with the signal.
    this.#redis.keygramLeaseRelease(this.#key, this.id).catch(() => {})
  }

  #lose(why: string): void {
    clearTimeout(this.#timer)
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(new Error(`Lease "${this.name}" lost: ${why}`))
    }
  }
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
    const lease = new RedisLease(
      this.#redis,
      keys.lease,
      { id, name: options.name, holder, fencingToken: Number(token) },
      ttl,
      this.#clock,
    )
    lease.extendFrom(sentAt, clockAtSend)
    return lease
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
