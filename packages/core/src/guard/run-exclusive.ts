/**
 * Run work while holding a lease: the cross-process answer to "only one instance polls this bot".
 *
 * @module
 */
import { LeaseLostError, LeaseUnavailableError } from './errors.ts'
import { unrefTimeout } from './timer.ts'
import type { Lease, LeaseInfo, SingleInstanceGuard } from './types.ts'

/** Options of {@link runExclusive}. */
export interface RunExclusiveOptions {
  /** Lease lifetime without renewal, in ms. */
  ttl: number
  /** Renewal period in ms; defaults to a third of `ttl` so two renewals may fail before the lease expires. */
  renewEvery?: number
  /**
   * Stand by until the lease is free: try again every `interval` ms until it is granted or `signal` aborts.
   * `false` or omitted: try once and reject with {@link LeaseUnavailableError} when someone else holds it.
   */
  retry?: { interval: number; signal?: AbortSignal } | false
  /** Shown as the holder in health reports. */
  holder?: string
  /** Called when this caller starts standing by, and again whenever the lease it waits for changes hands. */
  onStandby?: (current: LeaseInfo | null) => void
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

function validate(name: string, options: RunExclusiveOptions): number {
  const { ttl, retry } = options
  const renewEvery = options.renewEvery ?? ttl / 3
  if (!(ttl > 0)) throw new RangeError(`runExclusive(${name}): ttl must be > 0 ms, got ${ttl}`)
  if (!(renewEvery > 0 && renewEvery < ttl)) {
    throw new RangeError(
      `runExclusive(${name}): renewEvery must be > 0 and < ttl (${ttl}), got ${renewEvery}`,
    )
  }
  if (retry && !(retry.interval > 0)) {
    throw new RangeError(`runExclusive(${name}): retry.interval must be > 0 ms, got ${retry.interval}`)
  }
  return renewEvery
}

async function acquireOrWait(
  guard: SingleInstanceGuard,
  name: string,
  options: RunExclusiveOptions,
): Promise<Lease> {
  const { ttl, holder, retry, onStandby } = options
  const signal = retry ? retry.signal : undefined
  let lastSeenToken: number | undefined
  for (;;) {
    if (signal?.aborted) {
      throw new LeaseUnavailableError(name, `runExclusive(${name}): aborted before the lease was acquired`)
    }
    const lease = await guard.acquire({ name, ttl, ...(holder === undefined ? {} : { holder }) })
    if (lease !== null) {
      // Aborted while the acquire was in flight: nobody will run, so hand the lease straight back.
      if (signal?.aborted) {
        await lease.release().catch(() => {})
        continue
      }
      return lease
    }
    const current = await guard.inspect(name)
    if (!retry) {
      const by = current === null ? 'another holder' : `"${current.holder}"`
      throw new LeaseUnavailableError(name, `runExclusive(${name}): the lease is held by ${by}`)
    }
    const token = current?.fencingToken ?? -1
    if (token !== lastSeenToken) {
      lastSeenToken = token
      onStandby?.(current)
    }
    await sleep(retry.interval, signal)
  }
}

/**
 * Acquires the lease `name` (standing by when `retry` is set), runs `fn` with it while renewing it every
 * `renewEvery` ms, and always releases it at the end. The lease's `signal` handed to `fn` aborts as soon
 * as the lease is lost (a renewal fails, it expires, or the guard ends it): `fn` must then stop, since
 * another instance may take over. Resolves `fn`'s result; rejects with {@link LeaseUnavailableError} when
 * the lease was not acquired (held elsewhere without `retry`, or `retry.signal` aborted first).
 */
export async function runExclusive<T>(
  guard: SingleInstanceGuard,
  name: string,
  fn: (lease: Lease) => Promise<T>,
  options: RunExclusiveOptions,
): Promise<T> {
  const renewEvery = validate(name, options)
  const granted = await acquireOrWait(guard, name, options)

  const lost = new AbortController()
  const loseWith = (reason: unknown) => {
    if (!lost.signal.aborted) lost.abort(reason)
  }
  const followGrant = () => loseWith(granted.signal.reason ?? new LeaseLostError(name, 'expired'))
  if (granted.signal.aborted) followGrant()
  else granted.signal.addEventListener('abort', followGrant, { once: true })

  let timer: ReturnType<typeof setTimeout> | undefined
  let finished = false
  const scheduleRenewal = () => {
    timer = unrefTimeout(async () => {
      if (finished || lost.signal.aborted) return
      let renewed: boolean
      try {
        renewed = await granted.renew()
      } catch {
        // A backend hiccup is not a loss yet: the lease holds until it expires, and the guard aborts
        // the signal then. Try again on the next tick.
        renewed = true
      }
      if (!renewed) loseWith(new LeaseLostError(name, 'renew_failed'))
      else if (!finished) scheduleRenewal()
    }, renewEvery)
  }
  scheduleRenewal()

  const lease: Lease = {
    id: granted.id,
    name: granted.name,
    holder: granted.holder,
    fencingToken: granted.fencingToken,
    get expiresAt() {
      return granted.expiresAt
    },
    signal: lost.signal,
    async renew() {
      const renewed = await granted.renew()
      if (!renewed) loseWith(new LeaseLostError(name, 'renew_failed'))
      return renewed
    },
    release: () => granted.release(),
  }

  try {
    return await fn(lease)
  } finally {
    finished = true
    if (timer !== undefined) clearTimeout(timer)
    granted.signal.removeEventListener('abort', followGrant)
    // A release that fails is harmless: the lease expires by itself within ttl.
    await granted.release().catch(() => {})
    loseWith(new LeaseLostError(name, 'released'))
  }
}
