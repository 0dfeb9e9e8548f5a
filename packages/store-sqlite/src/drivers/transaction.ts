/**
 * better-sqlite3's transaction functions, for drivers that only run SQL (`node:sqlite`): `BEGIN` at the
 * outermost level, a savepoint inside another transaction, commit on return, rollback on throw.
 *
 * @module
 */
import type { SqliteTransaction } from '../driver.ts'

/** What the wrapper needs of a connection. */
export interface TransactionHost {
  exec(source: string): void
  /**
   * Whether a transaction is open, from SQLite itself (node:sqlite's `isTransaction`, Node >= 22.16);
   * without it the wrapper counts the transactions it opened.
   */
  isTransaction?: () => boolean
}

type Begin = 'BEGIN' | 'BEGIN IMMEDIATE'
type Fn = (...args: never[]) => unknown

const depths = new WeakMap<TransactionHost, number>()
let savepoints = 0

function isOpen(host: TransactionHost): boolean {
  return host.isTransaction?.() ?? (depths.get(host) ?? 0) > 0
}

/** Rolls back unless SQLite already did (SQLITE_FULL, an I/O error) and the statement would fail. */
function rollback(host: TransactionHost, source: string): void {
  if (host.isTransaction !== undefined && !host.isTransaction()) return
  try {
    host.exec(source)
  } catch {
    // Nothing left to roll back: the error that brought us here is the one to report.
  }
}

function run<F extends Fn>(
  host: TransactionHost,
  begin: string,
  end: string,
  undo: string,
  fn: F,
  self: unknown,
  args: Parameters<F>,
): ReturnType<F> {
  host.exec(begin)
  depths.set(host, (depths.get(host) ?? 0) + 1)
  try {
    const result = fn.apply(self, args) as ReturnType<F>
    host.exec(end)
    return result
  } catch (error) {
    rollback(host, undo)
    throw error
  } finally {
    depths.set(host, (depths.get(host) ?? 1) - 1)
  }
}

/** Builds the transaction function of `fn` over `host` (see the module doc). */
export function createTransaction<F extends Fn>(host: TransactionHost, fn: F): SqliteTransaction<F> {
  const wrap = (begin: Begin) =>
    function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
      if (!isOpen(host)) return run(host, begin, 'COMMIT', 'ROLLBACK', fn, this, args)
      const name = `keygram_${++savepoints}`
      return run(
        host,
        `SAVEPOINT ${name}`,
        `RELEASE ${name}`,
        `ROLLBACK TO ${name}; RELEASE ${name}`,
        fn,
        this,
        args,
      )
    } as F
  return Object.assign(wrap('BEGIN'), { immediate: wrap('BEGIN IMMEDIATE') })
}
