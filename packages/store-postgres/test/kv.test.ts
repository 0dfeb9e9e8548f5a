import type { KeygramStore } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { postgresFixture } from './helpers.ts'

describe('postgresStore key-values', () => {
  let fixture: ReturnType<typeof postgresFixture>
  let now: number
  let store: KeygramStore

  beforeEach(() => {
    fixture = postgresFixture()
    now = 1_000_000
    store = fixture.open({ clock: () => now })
  })
  afterEach(() => fixture.cleanup())

  it('round-trips JSON values, treating undefined as null', async () => {
    const value = { text: 'Київ "q" \\ \u0000', list: [1, null, { deep: true }], n: 1.5 }
    await store.kv.set('json', value)
    expect(await store.kv.get('json')).toEqual(value)
    await store.kv.set('nothing', undefined)
    expect(await store.kv.get('nothing')).toBeNull()
  })

  it('expires values on the store clock, and a plain set clears the TTL', async () => {
    await store.kv.set('k', 1, { ttlMs: 1000 })
    now += 999
    expect(await store.kv.get('k')).toBe(1)
    now += 1
    expect(await store.kv.get('k')).toBeNull()
    expect(await store.kv.setIfAbsent('k', 2, { ttlMs: 1000 })).toBe(true)
    expect(await store.kv.setIfAbsent('k', 3)).toBe(false)
    await store.kv.set('k', 4)
    now += 1_000_000
    expect(await store.kv.get('k')).toBe(4)
  })

  it('compareAndSet treats a stored null as absent and an expired value as gone', async () => {
    const cas = store.kv.compareAndSet!.bind(store.kv)
    await store.kv.set('n', null)
    expect(await cas('n', null, 'from null')).toBe(true)
    expect(await cas('n', 'from null', { a: 1 }, { ttlMs: 10 })).toBe(true)
    now += 10
    expect(await cas('n', { a: 1 }, 'late')).toBe(false)
    expect(await cas('n', null, 'fresh')).toBe(true)
    expect(await store.kv.get('n')).toBe('fresh')
  })
})
