import { memoryStore } from '@keygram/core'
import { testStoreBudgets } from '@keygram/testing'

// Stores "on one backend" are one in-memory instance: memory budgets are shared by whoever holds the store.
testStoreBudgets('memoryStore', () => {
  const store = memoryStore()
  return { open: () => store, cleanup: () => store.close() }
})
