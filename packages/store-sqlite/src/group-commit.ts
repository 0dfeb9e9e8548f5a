/**
 * Group commit: writes requested in the same turn of the event loop share one transaction, so they share
 * one fsync.
 *
 * With `synchronous = FULL` every commit waits for the disk, and every driver waits synchronously: one
 * transaction per webhook caps the server at one webhook per fsync, however many arrive at once. Here
 * each write still resolves only after the transaction holding it committed (so an acknowledged webhook
 * is on disk), but the writes that arrived together commit together. Each write runs in its own
 * savepoint, so one that throws rolls back alone and rejects alone.
 *
 * @module
 */
import type { SqliteDatabase } from './database.ts'

interface Pending {
  run: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Runs writes in shared immediate transactions (see the module doc). */
export interface GroupCommit {
  /**
   * Queues `write` (synchronous database work) for the next group; resolves its result once the group
   * committed, rejects with its error (its savepoint rolled back) or with the commit's error.
   */
  run<T>(write: () => T): Promise<T>
}

/** Creates a group committer over `db`. */
export function createGroupCommit(db: SqliteDatabase): GroupCommit {
  let queue: Pending[] = []

  // Inside the outer transaction, a transaction function runs as a savepoint (see `SqliteTransaction`).
  const savepoint = db.transaction((write: () => unknown) => write())
  const group = db.transaction((writes: Pending[]): Outcome[] =>
    writes.map((pending) => {
      try {
        return { ok: true, value: savepoint(pending.run) }
      } catch (error) {
        return { ok: false, error }
      }
    }),
  )

  function flush(): void {
    const writes = queue
    queue = []
    let outcomes: Outcome[]
    try {
      outcomes = group.immediate(writes)
    } catch (error) {
      // Nothing of the group was committed (busy past the timeout, disk full, closed database).
      for (const pending of writes) pending.reject(error)
      return
    }
    writes.forEach((pending, index) => {
      const outcome = outcomes[index]!
      if (outcome.ok) pending.resolve(outcome.value)
      else pending.reject(outcome.error)
    })
  }

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // setImmediate runs after the I/O callbacks of this turn: every request read by then joins.
        if (queue.length === 0) setImmediate(flush)
        queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject })
      })
    },
  }
}
