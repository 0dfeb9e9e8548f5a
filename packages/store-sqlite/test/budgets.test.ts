import { testStoreBudgets } from '@keygram/testing'
import { storeFixture } from './helpers.ts'

// A fresh file per test; each store is its own connection to it, as processes on one host would be.
testStoreBudgets('sqlite (separate connections to one file)', () => storeFixture())
