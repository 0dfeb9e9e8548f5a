import { describe, expect, it } from 'vitest'
import { createDictionaryCache } from '../../src/keycrm/dictionary-cache.ts'
import { manualClock } from './manual-clock.ts'

function setup(options: { ttlMs?: number; missRefreshMs?: number } = {}) {
  const clock = manualClock(0)
  const state = { list: [{ id: 1, name: 'new' }], loads: 0, fail: false }
  const cache = createDictionaryCache({
    clock,
    ttlMs: options.ttlMs ?? 600_000,
    missRefreshMs: options.missRefreshMs ?? 30_000,
    idOf: (entry: { id: number }) => entry.id,
    async load() {
      state.loads++
      await Promise.resolve()
      if (state.fail) throw new Error('KeyCRM down')
      return [...state.list]
    },
  })
  return { clock, state, cache }
}

describe('createDictionaryCache', () => {
  it('loads once for concurrent readers and serves from memory within the TTL', async () => {
    const { state, cache, clock } = setup()
    const [a, b] = await Promise.all([cache.get(1), cache.get(1)])
    expect(a).toEqual({ id: 1, name: 'new' })
    expect(b).toBe(a)
    clock.t += 599_999
    await cache.get(1)
    expect(state.loads).toBe(1)
    clock.t += 1
    await cache.get(1)
    expect(state.loads).toBe(2)
  })

  it('reloads on a miss, but at most once per missRefreshMs', async () => {
    const { state, cache, clock } = setup()
    await cache.get(1)
    clock.t += 30_000
    state.list.push({ id: 2, name: 'Відправлено' })
    expect(await cache.get(2)).toEqual({ id: 2, name: 'Відправлено' })
    expect(state.loads).toBe(2)
    expect(await cache.get(99)).toBeUndefined() // loaded a moment ago: no new request
    expect(state.loads).toBe(2)
    clock.t += 30_000
    expect(await cache.get(99)).toBeUndefined()
    expect(state.loads).toBe(3)
  })

  it('serves the stale copy when a reload fails, and does not retry at once', async () => {
    const { state, cache, clock } = setup({ ttlMs: 1_000 })
    await cache.get(1)
    state.fail = true
    clock.t += 5_000
    expect(await cache.get(1)).toEqual({ id: 1, name: 'new' })
    expect(state.loads).toBe(2)
    await cache.get(1)
    expect(state.loads).toBe(2)
  })

  it('rejects when nothing was ever loaded, then fails fast until missRefreshMs passes', async () => {
    const { state, cache, clock } = setup()
    state.fail = true
    await expect(cache.all()).rejects.toThrow('KeyCRM down')
    await expect(cache.all()).rejects.toThrow('KeyCRM down')
    expect(state.loads).toBe(1)
    state.fail = false
    clock.t += 30_000
    expect((await cache.all()).size).toBe(1)
  })

  it('lets a reader give up without cancelling the shared load', async () => {
    const { state, cache } = setup()
    const controller = new AbortController()
    const first = cache.get(1, controller.signal)
    controller.abort(new Error('budget'))
    await expect(first).rejects.toThrow('budget')
    expect(await cache.get(1)).toEqual({ id: 1, name: 'new' })
    expect(state.loads).toBe(1)
  })
})
