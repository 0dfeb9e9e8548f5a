/**
 * A cached dictionary (statuses, sources, users): loaded whole, kept for a TTL, reloaded on a miss.
 *
 * Dictionaries change rarely and cost one to three requests of the 60 a minute the key allows, so they are
 * cached. A miss (an id created after the last load) reloads at once, but at most once per `missRefreshMs`,
 * so a stream of events naming a deleted status cannot eat the rate limit. A reload that fails keeps
 * serving the stale copy: an old status name beats none.
 *
 * @module
 */
import type { Clock } from '../delivery/clock.ts'

/** Options of {@link createDictionaryCache}. */
export interface DictionaryCacheOptions<T> {
  /** Loads the whole dictionary. */
  load: (signal: AbortSignal | undefined) => Promise<readonly T[]>
  /** The id of an entry. */
  idOf: (entry: T) => number | null | undefined
  /** How long a load stays fresh, in ms. */
  ttlMs: number
  /** Least time between two reloads caused by misses, in ms. */
  missRefreshMs: number
  clock: Pick<Clock, 'now'>
}

/** A cached dictionary by numeric id. */
export interface DictionaryCache<T> {
  /** The entry with `id`, reloading when stale or missing. Rejects only when nothing was ever loaded. */
  get(id: number, signal?: AbortSignal): Promise<T | undefined>
  /** Every entry, reloading when stale. Rejects only when nothing was ever loaded. */
  all(signal?: AbortSignal): Promise<ReadonlyMap<number, T>>
  /** Drops the copy: the next read loads. */
  invalidate(): void
}

/** Creates a dictionary cache; nothing loads until the first read. */
export function createDictionaryCache<T>(options: DictionaryCacheOptions<T>): DictionaryCache<T> {
  const { clock, ttlMs, missRefreshMs } = options
  let entries: ReadonlyMap<number, T> | null = null
  let loadedAt = Number.NEGATIVE_INFINITY
  let attemptedAt = Number.NEGATIVE_INFINITY
  let lastError: unknown = null
  let inFlight: Promise<ReadonlyMap<number, T>> | null = null

  function reload(signal: AbortSignal | undefined): Promise<ReadonlyMap<number, T>> {
    // One load at a time, shared by every reader; it runs without the first reader's signal so that a
    // reader giving up does not cancel the load others wait on.
    if (inFlight === null) {
      attemptedAt = clock.now()
      inFlight = options
        .load(undefined)
        .then(
          (list) => {
            const map = new Map<number, T>()
            for (const entry of list) {
              const id = options.idOf(entry)
              if (typeof id === 'number') map.set(id, entry)
            }
            entries = map
            loadedAt = clock.now()
            lastError = null
            return map
          },
          (error: unknown) => {
            lastError = error
            throw error
          },
        )
        .finally(() => {
          inFlight = null
        })
    }
    return abortable(inFlight, signal)
  }

  async function fresh(signal: AbortSignal | undefined, force: boolean): Promise<ReadonlyMap<number, T>> {
    const now = clock.now()
    if (entries !== null && !force && now - loadedAt < ttlMs) return entries
    // Tried a moment ago (a miss, or a failure while KeyCRM is down): answer from what we have.
    if (inFlight === null && now - attemptedAt < missRefreshMs && (force || lastError !== null)) {
      if (entries !== null) return entries
      if (lastError !== null) throw lastError
    }
    try {
      return await reload(signal)
    } catch (error) {
      if (entries !== null && !signal?.aborted) return entries
      throw error
    }
  }

  return {
    async get(id, signal) {
      const map = await fresh(signal, false)
      if (map.has(id)) return map.get(id)
      return (await fresh(signal, true)).get(id)
    },
    all: (signal) => fresh(signal, false),
    invalidate() {
      entries = null
      loadedAt = Number.NEGATIVE_INFINITY
      attemptedAt = Number.NEGATIVE_INFINITY
      lastError = null
    },
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
