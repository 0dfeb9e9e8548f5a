/**
 * The event log on PostgreSQL: one row per accepted delivery (its key unique), ordered by acceptance time
 * and then by a sequence, so records of one millisecond come back in append order.
 *
 * @module
 */
import type { EventLog, EventRecord } from '@keygram/core'
import { type Database, statement } from './database.ts'

/** Builds the {@link EventLog} over the store's database. */
export function createPostgresEventLog(db: Database): EventLog {
  const { events } = db.tables
  const append = statement(
    `INSERT INTO ${events} (delivery_key, at, record) VALUES ($1, $2, $3) ON CONFLICT (delivery_key) DO NOTHING`,
  )
  const range = statement(`SELECT record FROM ${events} WHERE at >= $1 AND at < $2 ORDER BY at, seq`)
  const prune = statement(`DELETE FROM ${events} WHERE at < $1`)
  return {
    async append(record: EventRecord) {
      const { rowCount } = await db.run(append, [record.deliveryKey, record.at, JSON.stringify(record)])
      return rowCount === 1
    },
    async range(fromMs, toMs) {
      const { rows } = await db.run(range, [fromMs, toMs])
      return rows.map((row: { record: string }) => JSON.parse(row.record) as EventRecord)
    },
    async prune(beforeMs) {
      const { rowCount } = await db.run(prune, [beforeMs])
      return rowCount ?? 0
    },
  }
}
