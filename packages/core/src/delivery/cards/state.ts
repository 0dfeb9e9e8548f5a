/**
 * Reading and changing live cards in the store's key-values. A change is applied with compare-and-set to
 * whatever the store holds at that moment, so two replicas (or the worker and a button press) racing on
 * one card merge their changes instead of one overwriting the other.
 *
 * @module
 */
import type { KeyValueStore } from '../types.ts'
import { applyCardChange, type CardChange, type CardRecord } from './record.ts'

/** How often a change is retried when another writer changed the card first. */
const MAX_CAS_ROUNDS = 32

/** The card under `key`, or `null` when there is none (or what is there is not a card). */
export async function readCard(kv: KeyValueStore, key: string): Promise<CardRecord | null> {
  const value = await kv.get<CardRecord>(key)
  return isCardRecord(value) ? value : null
}

/**
 * Applies `change` to the card under `key` atomically and resolves the card as stored. The record lives
 * `ttlMs` from this write. A store without `compareAndSet` gets a plain read-then-write.
 *
 * @throws {Error} when other writers kept winning for {@link MAX_CAS_ROUNDS} rounds, or the store fails.
 */
export async function commitCardChange(
  kv: KeyValueStore,
  key: string,
  change: CardChange,
  options: { now: number; ttlMs: number },
): Promise<CardRecord> {
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const stored = await kv.get<CardRecord>(key)
    const current = isCardRecord(stored) ? stored : null
    const next = applyCardChange(current, change, options.now)
    if (kv.compareAndSet === undefined) {
      await kv.set(key, next, { ttlMs: options.ttlMs })
      return next
    }
    // `stored` as read, so a malformed value is replaced too.
    if (await kv.compareAndSet(key, stored, next, { ttlMs: options.ttlMs })) return next
  }
  throw new Error(`card ${key} kept changing under ${MAX_CAS_ROUNDS} concurrent writes`)
}

function isCardRecord(value: unknown): value is CardRecord {
  if (value === null || typeof value !== 'object') return false
  const record = value as Partial<CardRecord>
  return Array.isArray(record.steps) && Array.isArray(record.appliedJobs) && typeof record.latest === 'object'
}
