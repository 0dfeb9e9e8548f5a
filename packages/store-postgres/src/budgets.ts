/**
 * Rate budgets on PostgreSQL: one row per taken slot with the time it stops counting. A take is one short
 * transaction that first takes a transaction-scoped advisory lock on the budget, so takes of one budget
 * from every replica run one after another, and each sees the slots the previous ones committed.
 *
 * The table is created on first use (`CREATE TABLE IF NOT EXISTS` under the same lock) rather than by a
 * schema migration: a store whose schema predates budgets gets it without a version step.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { checkTakeInput, decideTake, type RateBudgetStore } from '@keygram/core'
import { type Database, statement } from './database.ts'

/** The {@link RateBudgetStore} of a PostgreSQL store, in the table `<prefix>budget_slots`. */
export function createPostgresBudgets(db: Database): RateBudgetStore {
  const { tables } = db
  const table = `${tables.schema}.${tables.index('budget_slots')}`
  const lockKey = (key: string) => `${tables.lockKey}:budget:${key}`
  const lock = statement('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))')
  const create = statement(`CREATE TABLE IF NOT EXISTS ${table} (
    budget text NOT NULL,
    slot text NOT NULL,
    expires_at double precision NOT NULL,
    PRIMARY KEY (budget, slot)
  )`)
  const dropExpired = statement(`DELETE FROM ${table} WHERE budget = $1 AND expires_at <= $2`)
  // Only the earliest `limit` expiries can decide a take.
  const live = statement(`SELECT expires_at FROM ${table} WHERE budget = $1 ORDER BY expires_at LIMIT $2`)
  const count = statement(`SELECT count(*)::int AS n FROM ${table} WHERE budget = $1`)
  const insert = statement(`INSERT INTO ${table} (budget, slot, expires_at) VALUES ($1, $2, $3)`)
  const release = statement(
    `UPDATE ${table} SET expires_at = $4 WHERE budget = $1 AND slot = $2 AND expires_at > $3`,
  )
  let ready: Promise<void> | undefined

  function ensureTable(): Promise<void> {
    ready ??= db
      .transaction(async (tx) => {
        await tx.run(lock, [`${tables.lockKey}:budget_slots`])
        await tx.run(create)
      })
      .catch((error: unknown) => {
        ready = undefined
        throw error
      })
    return ready
  }

  return {
    async take(input) {
      checkTakeInput(input)
      await ensureTable()
      return db.transaction(async (tx) => {
        await tx.run(lock, [lockKey(input.key)])
        await tx.run(dropExpired, [input.key, input.now])
        const total = Number((await tx.run(count, [input.key])).rows[0]?.n ?? 0)
        // decideTake needs the expiries up to the one that makes room: index count - (limit - reserve).
        const needed = Math.max(1, total - (input.limit - input.reserve) + 1)
        const { rows } = await tx.run(live, [input.key, needed])
        const expiries = rows.map((row: { expires_at: number }) => Number(row.expires_at))
        // Pad to the real count: only the order of the first `needed` matters to the decision.
        while (expiries.length < total) expiries.push(Number.POSITIVE_INFINITY)
        const decision = decideTake(expiries, input.limit, input.reserve, input.now)
        if (!decision.granted) return decision
        const slotId = randomUUID()
        await tx.run(insert, [input.key, slotId, input.now + input.windowMs + (input.holdMs ?? 0)])
        return { granted: true, slotId }
      })
    },
    async release(input) {
      await ensureTable()
      await db.run(release, [input.key, input.slotId, input.now, input.now + input.windowMs])
    },
  }
}
