import { type KeygramStore, memoryGuard, memoryStore } from '@keygram/core'
import { testGuard, testStore } from '@keygram/testing'

// Factory calls must share one backend, so every call hands out the same in-memory instance.
const guard = memoryGuard()
testGuard('memoryGuard', async () => ({ guard }))

const store = memoryStore()
testStore('memoryStore', async () => ({ store }), { persistent: false })

// Exercises the suite's reopen path: each handle is a view of one store that outlives its handles,
// the way a file or a Redis database outlives a connection.
const backend = memoryStore()
const handle = (): KeygramStore => ({ ...backend, close: async () => {} })
testStore('memoryStore seen through reopened handles', async () => ({
  store: handle(),
  reopen: async () => handle(),
}))
