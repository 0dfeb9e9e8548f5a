import { join } from 'node:path'
import { storeFactoryFrom, testGuard, testStore } from '@keygram/testing'
import { afterAll } from 'vitest'
import { sqliteStore } from '../src/index.ts'
import { tempDir } from './helpers.ts'

// One file for the whole suite; every factory call opens its own connection to it, the way the webhook
// server and the bot process each open the shared data file.
const folder = tempDir()
const path = join(folder.dir, 'data', 'keygram.db')
afterAll(() => folder.remove())

testGuard('sqlite (separate connections to one file)', async () => {
  const store = sqliteStore({ path })
  return { guard: store.guard, cleanup: () => store.close() }
})

// Each handle's store and every reopen is another connection to the file; cleanup closes them.
testStore(
  'sqlite (separate connections to one file)',
  storeFactoryFrom(() => sqliteStore({ path })),
)
