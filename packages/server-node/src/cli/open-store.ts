/**
 * Opening the store for a CLI command: within a deadline, with one sentence naming the store (never its
 * password) when it cannot be reached. A Redis or PostgreSQL client alone would retry for a minute or
 * more before failing, in a stack trace.
 *
 * @module
 */
import { type KeygramStore, redactSecret } from '@keygram/core'
import { describeStore, type StoreLocation } from '../config/index.ts'
import { errorText } from '../error-text.ts'
import { STORE_DEADLINE_MS, withDeadline } from '../store-deadline.ts'

// How long a command waits for the store to answer: with Node's start-up, the user hears within 5 s.
export { STORE_DEADLINE_MS, withDeadline }

/** The opened store, or why it could not be used. */
export type StoreOpening = { ok: true; store: KeygramStore } | { ok: false; problem: string }

const KIND_NAMES: Record<StoreLocation['kind'], string> = {
  sqlite: 'SQLite',
  redis: 'Redis',
  postgres: 'PostgreSQL',
  memory: 'memory',
}

const NEXT_STEP: Record<StoreLocation['kind'], string> = {
  sqlite: 'check KEYGRAM_STORE and the folder it names',
  redis: 'check that Redis runs there and that KEYGRAM_STORE names it',
  postgres: 'check that PostgreSQL runs there, the user, password and database, and KEYGRAM_STORE',
  memory: 'check KEYGRAM_STORE',
}

/**
 * Opens the store `location` names and pings it within `deadlineMs`. On failure the store is closed (or
 * abandoned, if closing hangs too) and the problem says which store, why, and what to check.
 *
 * @param secrets Values to keep out of the problem (the store password is already hidden).
 */
export async function openStoreWithin(
  location: StoreLocation,
  secrets: readonly string[],
  deadlineMs: number = STORE_DEADLINE_MS,
): Promise<StoreOpening> {
  const name = `the ${KIND_NAMES[location.kind]} store ${describeStore(location)}`
  const fix = NEXT_STEP[location.kind]
  let store: KeygramStore
  try {
    // Loaded on use: the three stores and their drivers are a good part of the CLI's start-up time.
    const { openStore } = await import('../open-store.ts')
    store = openStore(location)
  } catch (error) {
    // The SQLite store names the file and the cause itself.
    const text = redactSecret(errorText(error), secrets)
    return {
      ok: false,
      problem: text.startsWith('cannot open')
        ? `${text}; ${fix}`
        : `${name} cannot be opened: ${text}; ${fix}`,
    }
  }
  try {
    await withDeadline(store.ping(), deadlineMs)
    return { ok: true, store }
  } catch (error) {
    void withDeadline(store.close(), 1000).catch(() => {})
    const why =
      error instanceof Error && error.name === 'TimeoutError'
        ? `did not answer within ${Math.round(deadlineMs / 1000)} s`
        : `is unreachable (${redactSecret(errorText(error), secrets)})`
    return { ok: false, problem: `${name} ${why}; ${fix}` }
  }
}
