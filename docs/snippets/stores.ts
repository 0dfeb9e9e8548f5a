import { memoryStore } from '@keygram/core'
import { redisStore } from '@keygram/store-redis'
import { sqliteStore } from '@keygram/store-sqlite'

// #region stores
// Tests and throwaway runs: nothing survives the process.
const inMemory = memoryStore()

// One host, no external service: one SQLite file (WAL), shared by the webhook and bot processes.
const embedded = sqliteStore({ path: './data/keygram.db' })

// Several replicas on several hosts: one Redis; replicas that share work share a prefix.
const shared = redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'keygram:' })

// #endregion stores

export { embedded, inMemory, shared }
