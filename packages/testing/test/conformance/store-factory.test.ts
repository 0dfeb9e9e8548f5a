import { type KeygramStore, memoryStore } from '@keygram/core'
import { storeFactoryFrom } from '@keygram/testing'
import { describe, expect, it } from 'vitest'

describe('storeFactoryFrom', () => {
  it('opens the store and each reopen with `open`, and cleanup closes every one of them once', async () => {
    const backend = memoryStore()
    const opened: KeygramStore[] = []
    const closes = new Map<KeygramStore, number>()
    const open = async (): Promise<KeygramStore> => {
      const store: KeygramStore = {
        ...backend,
        close: async () => {
          closes.set(store, (closes.get(store) ?? 0) + 1)
        },
      }
      opened.push(store)
      return store
    }

    const handle = await storeFactoryFrom(open)()
    expect(opened).toEqual([handle.store])
    const first = await handle.reopen!()
    const second = await handle.reopen!()
    expect(opened).toHaveLength(3)
    expect(new Set([handle.store, first, second]).size).toBe(3)
    expect(second).toBe(opened[2])
    expect(closes.size).toBe(0)

    await handle.cleanup!()
    expect(opened.map((store) => closes.get(store))).toEqual([1, 1, 1])
  })

  it('gives every factory call its own handle, so one cleanup leaves the others open', async () => {
    let count = 0
    const closed: number[] = []
    const factory = storeFactoryFrom(() => {
      const id = ++count
      return { ...memoryStore(), close: async () => void closed.push(id) }
    })
    const a = await factory()
    const b = await factory()
    await a.reopen!()
    await a.cleanup!()
    expect(closed).toEqual([1, 3])
    await b.cleanup!()
    expect(closed).toEqual([1, 3, 2])
  })
})
