import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KeygramStore, NewJob } from '@keygram/core'
import type { SqliteConnection, SqliteDriver, SqliteDriverName } from '../src/index.ts'
import { availableSqliteDrivers, resolveSqliteDriver, sqliteStore } from '../src/index.ts'

/**
 * The driver these tests run on: `KEYGRAM_SQLITE_DRIVER` (node, bun, better-sqlite3) or the runtime's own
 * choice, so one run of the files covers one driver and the runtime scripts pick the others.
 */
export const testDriver = resolveSqliteDriver(
  process.env.KEYGRAM_SQLITE_DRIVER as SqliteDriverName | undefined,
)

/**
 * The drivers the conformance suites run on: the one `KEYGRAM_SQLITE_DRIVER` names, or every built-in one
 * that runs here (better-sqlite3 on Node 20; node:sqlite, and better-sqlite3 if its build loads, on 22+).
 */
export function driversUnderTest(): SqliteDriver[] {
  const named = process.env.KEYGRAM_SQLITE_DRIVER as SqliteDriverName | undefined
  return (named === undefined ? availableSqliteDrivers() : [named]).map((name) => resolveSqliteDriver(name))
}

/** A plain connection to `path` through {@link testDriver}, for looking at the file from outside the store. */
export function openRaw(path: string, busyTimeoutMs = 5_000): SqliteConnection {
  return testDriver.open(path, { busyTimeoutMs })
}

/** The first column of a row (better-sqlite3's `pluck`, which the other drivers lack). */
export function firstColumn(row: unknown): unknown {
  return row === undefined ? undefined : Object.values(row as Record<string, unknown>)[0]
}

/** A fresh folder for one test's database; `remove()` deletes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-sqlite-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Opens stores on one file in a temp folder and closes/removes everything afterwards. */
export function storeFixture(options: { clock?: () => number; driver?: SqliteDriver } = {}) {
  const { dir, remove } = tempDir()
  const path = join(dir, 'data', 'keygram.db')
  const opened: KeygramStore[] = []
  return {
    path,
    open(): KeygramStore {
      const store = sqliteStore({ path, driver: testDriver, ...options })
      opened.push(store)
      return store
    },
    async cleanup() {
      for (const store of opened) await store.close()
      remove()
    },
  }
}

/** A job for `chatId` whose text names it, so order can be read back. */
export function job(chatId: string, text: string, threadId?: number): NewJob {
  const newJob: NewJob = {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
  if (threadId !== undefined) newJob.threadId = threadId
  return newJob
}

/** Claim input with generous defaults. */
export function claimInput(
  now: number,
  overrides: Partial<{ workerId: string; leaseMs: number; maxChats: number; maxJobsPerChat: number }> = {},
) {
  return { workerId: 'w1', now, leaseMs: 30_000, maxChats: 10, maxJobsPerChat: 10, ...overrides }
}

/**
 * How to start a TypeScript script as a child process on the runtime running the tests: Node through tsx,
 * Deno and Bun natively (`process.execPath` is the runtime's own binary).
 */
export function scriptCommand(script: string, tsxLoader: string): string[] {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.deno !== undefined) return ['run', '-A', script]
  if (versions.bun !== undefined) return [script]
  return ['--import', tsxLoader, script]
}
