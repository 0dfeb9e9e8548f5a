/**
 * The store location (`KEYGRAM_STORE`): which {@link KeygramStore} backs the queue, dedupe and guard.
 *
 * @module
 */

/** Where Keygram keeps its state. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string }
  | { kind: 'memory' }

/** The default store: an embedded SQLite file in `./data`. */
export const DEFAULT_STORE_URL = 'sqlite:./data/keygram.db'

/** The outcome of {@link parseStoreUrl}: the location, or one problem sentence. */
export type StoreUrlResult = { ok: true; store: StoreLocation } | { ok: false; problem: string }

const SUPPORTED = 'use sqlite:./data/keygram.db (default), redis://host:6379 or memory:'

/**
 * Parses a store URL: `sqlite:<path>` (also `sqlite://<path>` and `file:<path>`), `redis://...` or
 * `rediss://...`, `memory:`. `postgres://` is recognised and refused as not supported yet. Problems
 * never echo the URL, which may carry a password.
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
      return {
        ok: false,
        problem: `PostgreSQL is not supported yet by @keygram/server-node; ${SUPPORTED}`,
      }
    default:
      return { ok: false, problem: `unknown store scheme${scheme ? ` "${scheme}:"` : ''}; ${SUPPORTED}` }
  }
}

/** A log-safe description of a store location (Redis passwords hidden). */
export function describeStore(store: StoreLocation): string {
  switch (store.kind) {
    case 'sqlite':
      return `sqlite:${store.path}`
    case 'memory':
      return 'memory: (nothing survives a restart)'
    case 'redis':
      try {
        const url = new URL(store.url)
        if (url.password) url.password = '***'
        return url.toString()
      } catch {
        return 'redis://<unparseable>'
      }
  }
}
