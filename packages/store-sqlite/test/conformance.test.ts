import { join } from 'node:path'
import { storeFactoryFrom, testGuard, testStore } from '@keygram/testing'
import { afterAll } from 'vitest'
import { sqliteStore } from '../src/index.ts'
import { driversUnderTest, tempDir } from './helpers.ts'

// Every driver that runs on this runtime (or the one KEYGRAM_SQLITE_DRIVER names) passes the same suites;
// the driver's name is in each suite's title.
for (const driver of driversUnderTest()) {
  // One file per driver; every factory call opens its own connection to it, the way the webhook server
  // and the bot process each open the shared data file.
  const folder = tempDir()
  const path = join(folder.dir, 'data', 'keygram.db')
  afterAll(() => folder.remove())
  const name = `sqlite on ${driver.name} (separate connections to one file)`

  testGuard(name, async () => {
    const store = sqliteStore({ path, driver })
    return { guard: store.guard, cleanup: () => store.close() }
  })

  // Each handle's store and every reopen is another connection to the file; cleanup closes them.
  testStore(
    name,
    storeFactoryFrom(() => sqliteStore({ path, driver })),
  )
}
