/**
 * Opening the configured {@link KeygramStore}.
 *
 * @module
 */
import { type KeygramStore, memoryStore } from '@keygram/core'
import { redisStore } from '@keygram/store-redis'
import { sqliteStore } from '@keygram/store-sqlite'
import type { StoreLocation } from './config/index.ts'

/** Opens the store a {@link StoreLocation} names (SQLite creates its folder). */
export function openStore(location: StoreLocation): KeygramStore {
  switch (location.kind) {
    case 'sqlite':
      return sqliteStore({ path: location.path })
    case 'redis':
      return redisStore({ url: location.url })
    case 'memory':
      return memoryStore()
  }
}
