import { testStoreReplicas } from '@keygram/testing'
import { driversUnderTest, storeFixture } from './helpers.ts'

// Every test of the shared suite gets a fresh file; each replica is its own connection to it, the way the
// webhook server and the bot process each open the shared data file.
for (const driver of driversUnderTest()) {
  testStoreReplicas(`sqlite on ${driver.name} (separate connections to one file)`, () =>
    storeFixture({ driver }),
  )
}
