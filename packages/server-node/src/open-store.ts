/**
 * Opening the configured {@link KeygramStore}.
 *
 * @module
 */
import { type KeygramStore, memoryStore } from '@keygram/core'
import { postgresStore } from '@keygram/store-postgres'
import { redisStore } from '@keygram/store-redis'
import { sqliteStore } from '@keygram/store-sqlite'
import type { StoreLocation } from './config/index.ts'

/**
 * The PostgreSQL store of a URL. `?schema=` names the schema of the tables (default `public`); it is taken
 * out of the URL, which node-postgres reads. Tables are created on first use.
 */
function openPostgres(text: string): KeygramStore {
  const url = new URL(text)
  const schema = url.searchParams.get('schema')
  if (schema === null) return postgresStore({ url: text })
  url.searchParams.delete('schema')
  return postgresStore({ url: url.toString(), schema })
}

/** Opens the store a {@link StoreLocation} names (SQLite creates its folder, PostgreSQL its tables). */
export function openStore(location: StoreLocation): KeygramStore {
  switch (location.kind) {
    case 'sqlite':
      return sqliteStore({ path: location.path })
    case 'redis':
      return redisStore({ url: location.url })
    case 'postgres':
      return openPostgres(location.url)
    case 'memory':
      return memoryStore()
  }
}
