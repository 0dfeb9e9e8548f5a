import { memoryStore } from '@keygram/core'
import { postgresStore } from '@keygram/store-postgres'
import { redisStore } from '@keygram/store-redis'
import { sqliteStore } from '@keygram/store-sqlite'

// #region stores
// Tests and throwaway runs: nothing survives the process.
const inMemory = memoryStore()

// One host, no external service: one SQLite file (WAL), shared by the webhook and bot processes.
const embedded = sqliteStore({ path: './data/keygram.db' })

// Several replicas on several hosts: one Redis; replicas that share work share a prefix.
const shared = redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'keygram:' })

// Or the PostgreSQL you already run: tables are created on first use, in a schema of their own here.
const relational = postgresStore({
  url: 'postgres://keygram:secret@db.internal:5432/shop',
  schema: 'keygram',
})

// #endregion stores

export { embedded, inMemory, relational, shared }
