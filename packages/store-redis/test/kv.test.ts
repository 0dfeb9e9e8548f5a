import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { redisFixture } from './helpers.ts'

describe('redisStore kv', () => {
  let now = 1_000_000
  let fixture: ReturnType<typeof redisFixture>

  beforeEach(() => {
    now = 1_000_000
    fixture = redisFixture({ clock: () => now })
  })
  afterEach(() => fixture.cleanup())

  it('round-trips JSON values, treating undefined as null', async () => {
    const { kv } = await fixture.open()
    for (const value of [0, '', false, 'Замовлення №1', { a: [1, { b: null }], c: [] }, [[]]]) {
      await kv.set('v', value)
      expect(await kv.get('v')).toEqual(value)
    }
    await kv.set('u', undefined)
    expect(await kv.get('u')).toBeNull()
  })

  it('keeps keys under <prefix>kv: and gives TTL records a Redis PX as well', async () => {
    const { kv } = await fixture.open()
    const admin = await fixture.admin()
    await kv.set('chat:migrated:-100', '-1009', { ttlMs: 60_000 })
    const key = `${fixture.prefix}kv:chat:migrated:-100`
    expect(await admin.pttl(key)).toBeGreaterThan(59_000)
    // Overwriting without a TTL makes the record permanent again.
    await kv.set('chat:migrated:-100', '-1009')
    expect(await admin.pttl(key)).toBe(-1)
    await kv.delete('chat:migrated:-100')
    expect(await admin.exists(key)).toBe(0)
  })

  it('expires records on the store clock, even while Redis still holds them', async () => {
    const { kv } = await fixture.open()
    await kv.set('seen', 1, { ttlMs: 1000 })
    expect(await kv.setIfAbsent('seen', 2, { ttlMs: 1000 })).toBe(false)
    now += 999
    expect(await kv.get('seen')).toBe(1)
    now += 1
    expect(await kv.get('seen')).toBeNull()
    expect(await kv.setIfAbsent('seen', 3, { ttlMs: 1000 })).toBe(true)
    expect(await kv.get('seen')).toBe(3)
    // A permanent record never expires, whatever the clock says.
    await kv.set('forever', 'x')
    now += 10 ** 12
    expect(await kv.get('forever')).toBe('x')
    expect(await kv.setIfAbsent('forever', 'y')).toBe(false)
  })

  it('lets exactly one of many concurrent setIfAbsent calls across two connections win', async () => {
    const [a, b] = [await fixture.open(), await fixture.open()]
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 ? a : b).kv.setIfAbsent(`race:${round}`, index)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await a.kv.get(`race:${round}`)).toBe(results.indexOf(true))
    }
  })
})
