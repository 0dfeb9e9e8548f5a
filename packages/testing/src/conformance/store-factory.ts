/**
 * The {@link StoreFactory} of a persistent store, built from a function that opens it.
 *
 * @module
 */
import type { KeygramStore } from '@keygram/core'
import type { StoreFactory } from './store-suite.ts'

/**
 * Builds the {@link StoreFactory} of a persistent store for `testStore` from `open`, which opens
 * another store on the same backend (the same file, prefix or schema) with its own connection, as a
 * restarted process would. Each handle's `store` comes from `open`, its `reopen` calls `open` again, and
 * its `cleanup` closes every store it opened. Deleting the backend's data is left to the caller (an
 * `afterAll`), since every handle shares it.
 *
 * @example
 * ```ts
 * testStore('redis', storeFactoryFrom(() => redisStore({ url, prefix })))
 * ```
 */
export function storeFactoryFrom(open: () => KeygramStore | Promise<KeygramStore>): StoreFactory {
  return async () => {
    const opened = [await open()]
    return {
      store: opened[0]!,
      async reopen() {
        const next = await open()
        opened.push(next)
        return next
      },
      async cleanup() {
        for (const store of opened) await store.close()
      },
    }
  }
}
