/**
 * Rate budgets on SQLite, for processes on one host sharing the file: one row per taken slot with the time
 * it stops counting, and a take is one immediate transaction (drop expired slots, read, add), so takes from
 * every process run one after another.
 *
 * The table is created when the store opens (`CREATE TABLE IF NOT EXISTS`) rather than by a schema
 * version step, so a file made before budgets gets it too.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  type BudgetTakeInput,
  type BudgetTakeResult,
  checkTakeInput,
  decideTake,
  type RateBudgetStore,
} from '@keygram/core'
import type { SqliteDatabase } from './database.ts'

/** The {@link RateBudgetStore} of a SQLite store, in the table `budget_slots`. */
export function createSqliteBudgets(db: SqliteDatabase): RateBudgetStore {
  // In an immediate transaction: a bare statement reads the schema, then upgrades to a write, and when the
  // other process's migration committed in between SQLite answers "database is locked" at once, without
  // waiting (two processes opening one new file together: the webhook and bot roles at start).
  db.transaction(() =>
    db.exec(`CREATE TABLE IF NOT EXISTS budget_slots (
    budget TEXT NOT NULL,
    slot TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (budget, slot)
  ) WITHOUT ROWID`),
  ).immediate()
  const statements = {
    dropExpired: db.prepare<[string, number]>(
      'DELETE FROM budget_slots WHERE budget = ? AND expires_at <= ?',
    ),
    live: db.prepare<[string], { expires_at: number }>(
      'SELECT expires_at FROM budget_slots WHERE budget = ? ORDER BY expires_at',
    ),
    insert: db.prepare<[string, string, number]>(
      'INSERT INTO budget_slots (budget, slot, expires_at) VALUES (?, ?, ?)',
    ),
    release: db.prepare<[number, string, string, number]>(
      'UPDATE budget_slots SET expires_at = ? WHERE budget = ? AND slot = ? AND expires_at > ?',
    ),
  }
  const take = db.transaction((input: BudgetTakeInput): BudgetTakeResult => {
    statements.dropExpired.run(input.key, input.now)
    const expiries = statements.live.all(input.key).map((row) => row.expires_at)
    const decision = decideTake(expiries, input.limit, input.reserve, input.now)
    if (!decision.granted) return decision
    const slotId = randomUUID()
    statements.insert.run(input.key, slotId, input.now + input.windowMs + (input.holdMs ?? 0))
    return { granted: true, slotId }
  })

  // A budget's slots need not survive a power cut (a lost slot only lets one more request through), so
  // their commits skip the fsync that queue writes pay for (two per message sent otherwise, each holding
  // the write lock the webhook path needs). In WAL mode the next synchronous commit syncs the log up to itself, so the queue's
  // durability is unchanged; automatic checkpoints are held off meanwhile, since an unsynced checkpoint
  // could let the log be reused before the database file holds its pages. The connection is used by one
  // thread at a time, so nothing else runs between the pragmas.
  function unsynced<T>(write: () => T): T {
    const synchronous = db.pragma('synchronous', { simple: true }) as number
    const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number
    db.pragma('synchronous = OFF')
    db.pragma('wal_autocheckpoint = 0')
    try {
      return write()
    } finally {
      db.pragma(`wal_autocheckpoint = ${autocheckpoint}`)
      db.pragma(`synchronous = ${synchronous}`)
    }
  }

  return {
    async take(input) {
      checkTakeInput(input)
      return unsynced(() => take.immediate(input))
    },
    async release(input) {
      unsynced(() => statements.release.run(input.now + input.windowMs, input.key, input.slotId, input.now))
    },
  }
}
