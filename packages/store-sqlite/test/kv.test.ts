import type { KeygramStore } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { storeFixture } from './helpers.ts'

let now = 1_000
let fixture: ReturnType<typeof storeFixture>
let store: KeygramStore
beforeEach(() => {
  now = 1_000
  fixture = storeFixture({ clock: () => now })
  store = fixture.open()
})
afterEach(async () => {
  await fixture.cleanup()
})

describe('sqlite kv', () => {
  it('round-trips JSON values, overwrites and deletes', async () => {
    expect(await store.kv.get('missing')).toBeNull()
    await store.kv.set('a', { nested: [1, 'two', null], ok: true })
    expect(await store.kv.get('a')).toEqual({ nested: [1, 'two', null], ok: true })
    await store.kv.set('a', 'replaced')
    expect(await store.kv.get<string>('a')).toBe('replaced')
    await store.kv.delete('a')
    expect(await store.kv.get('a')).toBeNull()
    await store.kv.delete('a')
  })

  it('expires values after their TTL and a plain set clears the TTL', async () => {
    await store.kv.set('t', 1, { ttlMs: 100 })
    now += 99
    expect(await store.kv.get('t')).toBe(1)
    now += 1
    expect(await store.kv.get('t')).toBeNull()
    await store.kv.set('t', 2, { ttlMs: 10 })
    await store.kv.set('t', 3)
    now += 1_000_000
    expect(await store.kv.get('t')).toBe(3)
  })

  it('setIfAbsent sets only when absent or expired', async () => {
    expect(await store.kv.setIfAbsent('s', 'first', { ttlMs: 50 })).toBe(true)
    expect(await store.kv.setIfAbsent('s', 'second')).toBe(false)
    expect(await store.kv.get('s')).toBe('first')
    now += 50
    expect(await store.kv.setIfAbsent('s', 'third')).toBe(true)
    expect(await store.kv.get('s')).toBe('third')
    now += 1_000_000
    expect(await store.kv.setIfAbsent('s', 'fourth')).toBe(false)
  })

  it('setIfAbsent from two connections: exactly one wins', async () => {
    const other = fixture.open()
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).kv.setIfAbsent('race', i)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await other.kv.get('race')).toBe(results.indexOf(true))
  })
})
