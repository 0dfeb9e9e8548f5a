/**
 * A polling process for the multi-process tests: loads the adapter harness, opens the shared store, builds
 * a bot that appends every handled update id to a file, waits for "go" on stdin, then polls under the
 * store's guard. Reports as JSON lines on stdout; stops gracefully on SIGTERM.
 *
 * Run as `node child-poller.mjs '<ChildConfig JSON>'` from the published package, or as
 * `node --import tsx child-poller.ts '<ChildConfig JSON>'` from the workspace sources (see `processes.ts`).
 * It imports nothing at run time but Node built-ins and the harness module, so it runs wherever the
 * package is installed.
 *
 * @module
 */
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { PollingLogFields, PollingStatus } from '@keygram/core'
import type { ProcessHarness } from './types.ts'

/** The child's configuration, passed as its first argument. */
export interface ChildConfig {
  /** The module the child imports (a `file:` URL), and the export holding the harness (default: the module itself). */
  harness: { url: string; exportName?: string }
  store: { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; prefix: string }
  apiRoot: string
  token: string
  holder: string
  ttlMs: number
  standbyRetryMs: number
  timeoutSeconds: number
  handledLog: string
}

/** One line the child prints. `at` is the child's `Date.now()`. */
export type ChildEvent =
  | { event: 'ready'; at: number }
  | { event: 'state'; status: PollingStatus; at: number }
  | { event: 'log'; level: string; message: string; fields?: PollingLogFields; at: number }
  | { event: 'stopped'; status: PollingStatus; stopMs: number; at: number }

type Unstamped<E> = E extends unknown ? Omit<E, 'at'> : never

function emit(event: Unstamped<ChildEvent>): void {
  process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)
}

const HARNESS_FUNCTIONS = ['createBot', 'startPolling', 'sqliteStore', 'redisStore'] as const

/** Imports the harness and checks its shape, so a wrong module or export name fails with a clear message. */
async function loadHarness({ url, exportName }: ChildConfig['harness']): Promise<ProcessHarness<unknown>> {
  const module = (await import(url)) as Record<string, unknown>
  const harness = (exportName === undefined ? module : module[exportName]) as
    | Record<string, unknown>
    | undefined
  const where = exportName === undefined ? url : `export "${exportName}" of ${url}`
  const missing = HARNESS_FUNCTIONS.filter((name) => typeof harness?.[name] !== 'function')
  if (missing.length > 0) throw new TypeError(`${where} is not a process harness: no ${missing.join(', ')}`)
  return harness as unknown as ProcessHarness<unknown>
}

const config = JSON.parse(process.argv[2] ?? '') as ChildConfig
const harness = await loadHarness(config.harness)
const store =
  config.store.kind === 'sqlite'
    ? harness.sqliteStore({ path: config.store.path })
    : harness.redisStore({ url: config.store.url, prefix: config.store.prefix })
await store.ping()
const bot = harness.createBot(config.apiRoot, config.token, (update) => {
  // Synchronous, so a SIGKILL right after handling still leaves the record on disk.
  appendFileSync(config.handledLog, `${update.update_id}\n`)
})

emit({ event: 'ready' })
await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    if (line.trim() !== 'go') return
    lines.close()
    resolve()
  })
})

const log = (level: string) => (message: string, fields?: PollingLogFields) =>
  emit({ event: 'log', level, message, ...(fields === undefined ? {} : { fields }) })
const poller = harness.startPolling(bot, {
  guard: store.guard,
  holder: config.holder,
  ttlMs: config.ttlMs,
  standbyRetryMs: config.standbyRetryMs,
  timeoutSeconds: config.timeoutSeconds,
  logger: { info: log('info'), warn: log('warn'), error: log('error') },
  onStateChange: (status) => emit({ event: 'state', status }),
})

process.once('SIGTERM', async () => {
  const started = performance.now()
  await poller.stop()
  emit({ event: 'stopped', status: poller.status(), stopMs: performance.now() - started })
  await store.close()
  process.exit(0)
})
