/**
 * One Keygram process under the latency bench: `node --import tsx bench/lib/latency-target.ts`, configured
 * by environment (below). It runs the real `keygram serve --role webhook` server (h3, routes, enqueue,
 * delivery worker, Telegram over `fetch` to the fake Bot API), prints `ready <url>` once it listens and
 * stops cleanly on SIGTERM.
 *
 * - `LATENCY_STORE`: `memory`, `sqlite`, `redis` or `postgres`; `LATENCY_STORE_AT`: the SQLite file, the
 *   Redis URL or the PostgreSQL URL; `LATENCY_NAMESPACE`: the Redis key prefix or PostgreSQL schema.
 * - `LATENCY_PART`: `all` (takes webhooks and sends, the one-process layout), `ingest` (takes webhooks,
 *   never claims: its worker's claims come back empty) or `deliver` (only its worker sends). Two
 *   processes, `ingest` + `deliver` on one store, measure the cross-process wake.
 * - `LATENCY_WAKE`: `1`, or `0` for poll only (the store's `onEnqueued` is hidden from the worker).
 * - `LATENCY_PORT`, `LATENCY_API_ROOT`, `LATENCY_TOKEN`, `LATENCY_CHAT_ID`.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type KeygramStore, memoryStore, type QueueStore } from '../../packages/core/src/index.ts'
import { createKeygramServer, createLogger, loadConfig } from '../../packages/server-node/src/index.ts'
import { postgresStore } from '../../packages/store-postgres/src/index.ts'
import { redisStore } from '../../packages/store-redis/src/index.ts'
import { sqliteStore } from '../../packages/store-sqlite/src/index.ts'
import { BENCH_SECRET } from './ingest-load.ts'

const HOST = '127.0.0.1'

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

function openStore(): KeygramStore {
  const kind = required('LATENCY_STORE')
  const at = process.env.LATENCY_STORE_AT ?? ''
  const namespace = process.env.LATENCY_NAMESPACE ?? ''
  switch (kind) {
    case 'memory':
      return memoryStore()
    case 'sqlite':
      return sqliteStore({ path: at })
    case 'redis':
      return redisStore({ url: at, prefix: namespace })
    case 'postgres':
      return postgresStore({ url: at, schema: namespace })
    default:
      throw new Error(`LATENCY_STORE: unknown store ${kind}`)
  }
}

/** The store with its queue's `overrides` in front (a proxy: every other member is the store's own). */
function withQueue(store: KeygramStore, overrides: Partial<Record<keyof QueueStore, unknown>>): KeygramStore {
  const queue = new Proxy(store.queue, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof QueueStore]
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { ...store, name: store.name, queue, close: () => store.close() }
}

function storeForPart(store: KeygramStore, part: string, wake: boolean): KeygramStore {
  const overrides: Partial<Record<keyof QueueStore, unknown>> = {}
  if (!wake) overrides.onEnqueued = undefined
  // The ingest process stands for a server whose worker is elsewhere: it never takes a chat.
  if (part === 'ingest') overrides.claim = async () => []
  else if (part !== 'all' && part !== 'deliver') throw new Error(`LATENCY_PART: unknown part ${part}`)
  return withQueue(store, overrides)
}

async function main(): Promise<void> {
  const part = required('LATENCY_PART')
  const wake = required('LATENCY_WAKE') === '1'
  const folder = mkdtempSync(join(tmpdir(), 'keygram-bench-latency-'))
  const config = await loadConfig({
    cwd: folder,
    dotenv: false,
    isTTY: false,
    env: {
      TELEGRAM_BOT_TOKEN: required('LATENCY_TOKEN'),
      TELEGRAM_API_ROOT: required('LATENCY_API_ROOT'),
      KEYGRAM_WEBHOOK_SECRET: BENCH_SECRET,
      KEYGRAM_CHAT_ID: required('LATENCY_CHAT_ID'),
      KEYCRM_DOMAIN: 'demo',
      KEYGRAM_STORE: 'memory:',
      KEYGRAM_HOST: HOST,
      WEBHOOK_PORT: required('LATENCY_PORT'),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
  })
  // Orders come back to back into one chat: its 1-per-second pace would measure the pacing, not the wake.
  const paced = { ...config, limits: { ...config.limits, privateChatIntervalMs: 0 } }
  const logger = createLogger({ ...config.log, secrets: [BENCH_SECRET, required('LATENCY_TOKEN')] })
  const store = storeForPart(openStore(), part, wake)
  const server = createKeygramServer(paced, { role: 'webhook', logger, store })
  const { webhook } = await server.start()
  if (webhook === null) throw new Error('the webhook role did not start')
  process.stdout.write(`ready ${webhook}\n`)
  process.once('SIGTERM', () => {
    server.stop().then(
      () => {
        rmSync(folder, { recursive: true, force: true })
        process.stdout.write('stopped\n')
        // No process.exit: a store that left a connection or timer open would show as a hang here.
      },
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`)
        process.exit(1)
      },
    )
  })
}

await main()
