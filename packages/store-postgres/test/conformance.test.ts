import type { KeygramStore } from '@keygram/core'
import { storeFactoryFrom, testGuard, testStore } from '@keygram/testing'
import type pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { postgresStore } from '../src/index.ts'
import { connect, dropSchema, POSTGRES_URL, uniqueSchema } from './helpers.ts'

// One schema for the whole file: every factory call is another replica (own pool) on the same tables.
const schema = uniqueSchema()
let admin: pg.Pool

beforeAll(async () => {
  // Fails the file at once when PostgreSQL is unreachable, instead of letting each test time out.
  admin = await connect()
})

afterAll(async () => {
  await dropSchema(admin, schema)
  await admin.end()
})

/** A store that owns its pool (the `url` path), as a deployed replica would. */
function replica(): KeygramStore {
  return postgresStore({ url: POSTGRES_URL, schema })
}

// Each handle's store and every reopen is another replica(); cleanup closes them (the data goes in afterAll).
testStore('postgres', storeFactoryFrom(replica))

testGuard('postgres', async () => {
  const store = replica()
  return { guard: store.guard, cleanup: () => store.close() }
})
