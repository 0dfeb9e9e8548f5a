import type { KeygramStore } from '@keygram/core'
import { testGuard, testStore } from '@keygram/testing'
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

testStore('redis', async () => {
  const store = replica()
  const reopened: KeygramStore[] = []
  return {
    store,
    async reopen() {
      const next = replica()
      reopened.push(next)
      return next
    },
    async cleanup() {
      await store.close()
      for (const next of reopened) await next.close()
    },
  }
})

testGuard('redis', async () => {
  const store = replica()
  return { guard: store.guard, cleanup: () => store.close() }
})
