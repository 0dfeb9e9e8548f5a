/**
 * The store location (`KEYGRAM_STORE`): which {@link KeygramStore} backs the queue, dedupe and guard.
 *
 * @module
 */

/** Where Keygram keeps its state. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'memory' }

/** The default store: an embedded SQLite file in `./data`. */
export const DEFAULT_STORE_URL = 'sqlite:./data/keygram.db'

/** The outcome of {@link parseStoreUrl}: the location, or one problem sentence. */
export type StoreUrlResult = { ok: true; store: StoreLocation } | { ok: false; problem: string }

const SUPPORTED =
  'use sqlite:./data/keygram.db (default), redis://host:6379, postgres://user:password@host:5432/database or memory:'

// The tables' schema, `?schema=` in a PostgreSQL URL (the convention Prisma and others follow).
const POSTGRES_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Parses a store URL: `sqlite:<path>` (also `sqlite://<path>` and `file:<path>`), `redis://...` or
 * `rediss://...`, `postgres://...` or `postgresql://...` (`?schema=` names the tables' schema, default
 * `public`), `memory:`. Problems never echo the URL, which may carry a password.
 */
export function parseStoreUrl(text: string): StoreUrlResult {
  const value = text.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  switch (scheme) {
    case 'sqlite':
    case 'file': {
      const path = value.slice(scheme.length + 1).replace(/^\/\/(?=[./~]|[A-Za-z]:)/, '')
      if (path === '') return { ok: false, problem: `the SQLite store needs a file path (${SUPPORTED})` }
      return { ok: true, store: { kind: 'sqlite', path } }
    }
    case 'redis':
    case 'rediss':
      try {
        const url = new URL(value)
        if (url.hostname === '') throw new Error('no host')
      } catch {
        return {
          ok: false,
          problem: `the Redis URL is malformed; expected redis://[user:password@]host:6379[/db]`,
        }
      }
      return { ok: true, store: { kind: 'redis', url: value } }
    case 'memory':
      return { ok: true, store: { kind: 'memory' } }
    case 'postgres':
    case 'postgresql':
      try {
        const schema = new URL(value).searchParams.get('schema')
        if (schema !== null && !POSTGRES_SCHEMA.test(schema)) {
          return {
            ok: false,
            problem: `the PostgreSQL URL's schema= must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)`,
          }
        }
      } catch {
        return {
          ok: false,
          problem:
            'the PostgreSQL URL is malformed; expected postgres://[user[:password]@]host[:5432]/database[?schema=keygram]',
        }
      }
      return { ok: true, store: { kind: 'postgres', url: value } }
    default:
      return { ok: false, problem: `unknown store scheme${scheme ? ` "${scheme}:"` : ''}; ${SUPPORTED}` }
  }
}

/** The URL with its password (in the user part, or PostgreSQL's `?password=`) replaced by `***`. */
function withoutPassword(text: string): string | null {
  try {
    const url = new URL(text)
    if (url.password) url.password = '***'
    if (url.searchParams.has('password')) url.searchParams.set('password', '***')
    return url.toString()
  } catch {
    return null
  }
}

/** A log-safe description of a store location (Redis and PostgreSQL passwords hidden). */
export function describeStore(store: StoreLocation): string {
  switch (store.kind) {
    case 'sqlite':
      return `sqlite:${store.path}`
    case 'memory':
      return 'memory: (nothing survives a restart)'
    case 'redis':
      return withoutPassword(store.url) ?? 'redis://<unparseable>'
    case 'postgres':
      return withoutPassword(store.url) ?? 'postgres://<unparseable>'
  }
}
