import { testStoreReplicas } from '@keygram/testing'
import { storeFixture } from './helpers.ts'

// Every test of the shared suite gets a fresh file; each replica is its own connection to it, the way the
// webhook server and the bot process each open the shared data file.
testStoreReplicas('sqlite (separate connections to one file)', () => storeFixture())
