/**
 * The event log on SQLite: one row per accepted delivery, ordered by acceptance time.
 *
 * @module
 */
import type { EventLog, EventRecord } from '@keygram/core'
import type { SqliteDatabase } from './database.ts'
import { createGroupCommit, type GroupCommit } from './group-commit.ts'

/** Builds the {@link EventLog} over an open, migrated database; appends share commits through `groupCommit`. */
export function createSqliteEventLog(
  db: SqliteDatabase,
  groupCommit: GroupCommit = createGroupCommit(db),
): EventLog {
  const statements = {
    append: db.prepare<[string, number, string]>(
      'INSERT INTO events (delivery_key, at, record) VALUES (?, ?, ?) ON CONFLICT (delivery_key) DO NOTHING',
    ),
    range: db.prepare<[number, number], { record: string }>(
      'SELECT record FROM events WHERE at >= ? AND at < ? ORDER BY at, seq',
    ),
    prune: db.prepare<[number]>('DELETE FROM events WHERE at < ?'),
  }
  return {
    append(record) {
      const json = JSON.stringify(record)
      return groupCommit.run(() => statements.append.run(record.deliveryKey, record.at, json).changes === 1)
    },
    async range(fromMs, toMs) {
      return statements.range.all(fromMs, toMs).map((row) => JSON.parse(row.record) as EventRecord)
    },
    async prune(beforeMs) {
      return statements.prune.run(beforeMs).changes
    },
  }
}
