import type { KeygramStore } from '@keygram/core'
import { testStoreBudgets } from '@keygram/testing'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, POSTGRES_URL, uniqueSchema } from './helpers.ts'

// A fresh schema per test; each store owns its pool, as a replica would.
testStoreBudgets('postgres', async () => {
  const admin = await connect()
  const schema = uniqueSchema()
  const stores: KeygramStore[] = []
  return {
    open() {
      const store = postgresStore({ url: POSTGRES_URL, schema })
      stores.push(store)
      return store
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      await dropSchema(admin, schema)
      await admin.end()
    },
  }
})
