/**
 * Small key-value records on Redis. A value is stored as `<expiresAt>|<json>` (`expiresAt` empty when
 * the record does not expire) with a matching `PX`: Redis drops it in real time, and the recorded expiry
 * makes the store's clock authoritative too, so a store given a test clock expires records on that clock.
 *
 * @module
 */
import type { KeyValueStore } from '@keygram/core'
import { toPx } from './px.ts'
import type { KeygramRedis } from './scripts.ts'

/** Encodes a record; `expiresAt` is `null` for a record without TTL. */
export function encodeRecord(value: unknown, expiresAt: number | null): string {
  return `${expiresAt === null ? '' : Math.ceil(expiresAt)}|${JSON.stringify(value ?? null)}`
}

/** Decodes a record, or `null` when it has expired by `now` (or is not a Keygram record). */
export function decodeRecord(raw: string, now: number): { value: unknown } | null {
  const bar = raw.indexOf('|')
  if (bar < 0) return null
  const expiresAt = raw.slice(0, bar)
  if (expiresAt !== '' && Number(expiresAt) <= now) return null
  return { value: JSON.parse(raw.slice(bar + 1)) }
}

/** A {@link KeyValueStore} on Redis under `<prefix>kv:`. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #redis: KeygramRedis
  readonly #prefix: string
  readonly #clock: () => number

  /** @param clock epoch ms, the time TTLs are measured against. */
  constructor(redis: KeygramRedis, prefix: string, clock: () => number) {
    this.#redis = redis
    this.#prefix = `${prefix}kv:`
    this.#clock = clock
  }

  /** {@inheritDoc KeyValueStore.get} */
  async get<T = unknown>(key: string): Promise<T | null> {
    const raw = await this.#redis.get(this.#prefix + key)
    if (raw === null) return null
    const record = decodeRecord(raw, this.#clock())
    return record === null ? null : (record.value as T)
  }

  /** {@inheritDoc KeyValueStore.set} */
  async set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void> {
    const ttlMs = options?.ttlMs
    if (ttlMs === undefined) {
      await this.#redis.set(this.#prefix + key, encodeRecord(value, null))
      return
    }
    const encoded = encodeRecord(value, this.#clock() + toPx(ttlMs))
    await this.#redis.set(this.#prefix + key, encoded, 'PX', toPx(ttlMs))
  }

  /** {@inheritDoc KeyValueStore.setIfAbsent} */
  async setIfAbsent(key: string, value: unknown, options?: { ttlMs?: number }): Promise<boolean> {
    const ttlMs = options?.ttlMs
    const now = this.#clock()
    const encoded = encodeRecord(value, ttlMs === undefined ? null : now + toPx(ttlMs))
    const set = await this.#redis.keygramKvSetIfAbsent(
      this.#prefix + key,
      now,
      encoded,
      ttlMs === undefined ? '' : toPx(ttlMs),
    )
    return Number(set) === 1
  }

  /** {@inheritDoc KeyValueStore.compareAndSet} */
  async compareAndSet(
    key: string,
    expected: unknown,
    next: unknown,
    options?: { ttlMs?: number },
  ): Promise<boolean> {
    const ttlMs = options?.ttlMs
    const now = this.#clock()
    const encoded = encodeRecord(next, ttlMs === undefined ? null : now + toPx(ttlMs))
    const expectedJson = expected === null || expected === undefined ? '' : JSON.stringify(expected)
    const set = await this.#redis.keygramKvCompareAndSet(
      this.#prefix + key,
      now,
      expectedJson,
      encoded,
      ttlMs === undefined ? '' : toPx(ttlMs),
    )
    return Number(set) === 1
  }

  /** {@inheritDoc KeyValueStore.delete} */
  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key)
  }
}
