import type { KeygramStore } from '@keygram/core'
import { storeFactoryFrom, testGuard, testStore } from '@keygram/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { redisStore } from '../src/index.ts'
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './helpers.ts'

// One prefix for the whole file: every factory call is another replica (own connection) on the same data.
const prefix = uniquePrefix()
let admin: Redis

beforeAll(async () => {
  // Fails the file at once when Redis is unreachable, instead of letting each test time out.
  admin = await connect()
})

afterAll(async () => {
  await deletePrefix(admin, prefix)
  await admin.quit()
})

/** A store that owns its connection (the `url` path), as a deployed replica would. */
function replica(): KeygramStore {
  return redisStore({ url: REDIS_URL, prefix })
}

// Each handle's store and every reopen is another replica(); cleanup closes them (the data goes in afterAll).
testStore('redis', storeFactoryFrom(replica))

testGuard('redis', async () => {
  const store = replica()
  return { guard: store.guard, cleanup: () => store.close() }
})
