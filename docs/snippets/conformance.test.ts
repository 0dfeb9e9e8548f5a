// #region conformance
import { memoryStore } from '@keygram/core'
import { testGuard, testStore } from '@keygram/testing'

// Every factory call must reach the same backend: the suites call it twice to play two processes.
const store = memoryStore()

testGuard('memory', async () => ({ guard: store.guard }))
testStore('memory', async () => ({ store }), { persistent: false })
// #endregion conformance
