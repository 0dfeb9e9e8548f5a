import type { KeygramStore } from '@keygram/core'
import { testStoreBudgets } from '@keygram/testing'
import { redisStore } from '../src/index.ts'
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './helpers.ts'

// A fresh prefix per test; each store owns its connection, as a replica would.
testStoreBudgets('redis', async () => {
  const admin = await connect()
  const prefix = uniquePrefix()
  const stores: KeygramStore[] = []
  return {
    open() {
      const store = redisStore({ url: REDIS_URL, prefix })
      stores.push(store)
      return store
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      await deletePrefix(admin, prefix)
      await admin.quit()
    },
  }
})
