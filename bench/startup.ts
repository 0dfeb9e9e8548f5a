/**
 * Startup bench: time from process start to `/readyz` 200 for `keygram serve --role all` (demo mode, a
 * SQLite store in a fresh temp folder, ports picked at random), and its resident memory once idle, against
 * a bare `node -e` HTTP server's time to answer, measured the same way in the same run.
 *
 * Each run spawns `node packages/server-node/bin/keygram.mjs serve --role all` (what `pnpm keygram` runs
 * in the repository: the TypeScript sources compiled by tsx on the fly) and polls
 * `http://127.0.0.1:<WEBHOOK_PORT>/readyz` every 2 ms with fresh connections; the clock starts right
 * before `spawn`. Idle RSS is `VmRSS` of `/proc/<pid>/status` once it stops moving. One unrecorded
 * warm-up run first (it fills tsx's compile cache, as any second start of a deployed server finds it);
 * then the median of 5 runs, alternating with the baseline. The deployable bundle
 * (`packages/server-node/bundle/keygram.mjs`, built by `pnpm --filter @keygram/server-node bundle`) is
 * measured too when it exists.
 *
 * Run: `node --import tsx bench/startup.ts`. `BENCH_SCALE` below 1 makes 3 runs (results.json untouched).
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, msUntilOk, settledRssMb, spawnNode, stopProcess } from './lib/process-probe.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const KEYGRAM_BIN = fileURLToPath(new URL('../packages/server-node/bin/keygram.mjs', import.meta.url))
const KEYGRAM_BUNDLE = fileURLToPath(new URL('../packages/server-node/bundle/keygram.mjs', import.meta.url))
const FULL_RUNS = 5

/** What one start measured. */
interface StartSample {
  readyMs: number
  idleRssMb: number
}

/** A way to start a server: its name and how to spawn it on the given ports in `dir`. */
interface Subject {
  name: string
  args(webhookPort: number, botPort: number): string[]
  env(dir: string, webhookPort: number, botPort: number): Record<string, string>
  /** The URL that answers 200 once the server is ready. */
  readyPath: string
}

const keygramEnv = (dir: string, webhookPort: number, botPort: number): Record<string, string> => ({
  // No TELEGRAM_BOT_TOKEN: demo mode, notifications printed, no network.
  KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
  KEYGRAM_HOST: '127.0.0.1',
  WEBHOOK_PORT: String(webhookPort),
  BOT_PORT: String(botPort),
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'info',
})

const SOURCE: Subject = {
  name: 'keygram serve --role all',
  args: () => [KEYGRAM_BIN, 'serve', '--role', 'all'],
  env: keygramEnv,
  readyPath: '/readyz',
}

const BUNDLE: Subject = {
  name: 'bundle/keygram.mjs serve --role all',
  args: () => [KEYGRAM_BUNDLE, 'serve', '--role', 'all'],
  env: keygramEnv,
  readyPath: '/readyz',
}

// The least a Node process can do before it answers HTTP: no modules beyond node:http.
const BARE_SERVER =
  "require('node:http').createServer((q,s)=>s.end('ok')).listen(Number(process.env.PORT),'127.0.0.1')"

const BASELINE: Subject = {
  name: 'bare node -e http server (baseline)',
  args: () => ['-e', BARE_SERVER],
  env: (_dir, webhookPort) => ({ PORT: String(webhookPort) }),
  readyPath: '/',
}

async function startOnce(subject: Subject): Promise<StartSample> {
  const dir = await mkdtemp(join(tmpdir(), 'keygram-bench-startup-'))
  const [webhookPort, botPort] = [await freePort(), await freePort()]
  const started = performance.now()
  const child = spawnNode(subject.args(webhookPort, botPort), subject.env(dir, webhookPort, botPort), dir)
  try {
    const readyMs = await msUntilOk(`http://127.0.0.1:${webhookPort}${subject.readyPath}`, started, child)
    const idleRssMb = await settledRssMb(child.pid!)
    return { readyMs, idleRssMb }
  } catch (error) {
    throw new Error(
      `${subject.name}: ${error instanceof Error ? error.message : String(error)}\n${child.output()}`,
    )
  } finally {
    await stopProcess(child)
    await rm(dir, { recursive: true, force: true })
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const round1 = (value: number) => Math.round(value * 10) / 10

async function main(): Promise<void> {
  const scale = readScale()
  const runs = scale >= 1 ? FULL_RUNS : 3
  const subjects = existsSync(KEYGRAM_BUNDLE) ? [SOURCE, BUNDLE, BASELINE] : [SOURCE, BASELINE]
  const samples = new Map<Subject, StartSample[]>(subjects.map((subject) => [subject, []]))

  for (const subject of subjects) await startOnce(subject) // warm-up, not recorded
  for (let run = 0; run < runs; run++) {
    for (const subject of subjects) samples.get(subject)!.push(await startOnce(subject))
  }

  const summary = (subject: Subject) => {
    const list = samples.get(subject)!
    return {
      readyMs: median(list.map((sample) => sample.readyMs)),
      idleRssMb: median(list.map((sample) => sample.idleRssMb)),
      all: list.map((sample) => sample.readyMs.toFixed(0)).join(' '),
    }
  }
  const baseline = summary(BASELINE)
  const source = summary(SOURCE)
  const bundle = subjects.includes(BUNDLE) ? summary(BUNDLE) : null

  console.log(`startup bench: median of ${runs} starts each (after one warm-up); scale ${scale}\n`)
  console.log(
    formatTable(
      ['process', 'ready ms', 'x baseline', 'idle RSS MiB', 'runs (ms)'],
      subjects.map((subject) => {
        const row = summary(subject)
        return [
          subject.name,
          row.readyMs.toFixed(0),
          (row.readyMs / baseline.readyMs).toFixed(1),
          row.idleRssMb.toFixed(1),
          row.all,
        ]
      }),
    ),
  )
  if (bundle === null)
    console.log('\n(no bundle/keygram.mjs: `pnpm --filter @keygram/server-node bundle` adds it)')

  if (scale !== 1) {
    console.log('\nbench/results.json not updated (only full runs are recorded)')
    return
  }
  await mergeResults({
    startup: {
      ready_ms: Math.round(source.readyMs),
      idle_rss_mb: round1(source.idleRssMb),
      baseline_ready_ms: Math.round(baseline.readyMs),
      ratio_vs_bare_node: round1(source.readyMs / baseline.readyMs),
      baseline_idle_rss_mb: round1(baseline.idleRssMb),
      ...(bundle === null
        ? {}
        : {
            bundle_ready_ms: Math.round(bundle.readyMs),
            bundle_idle_rss_mb: round1(bundle.idleRssMb),
            bundle_ratio_vs_bare_node: round1(bundle.readyMs / baseline.readyMs),
          }),
      runs,
    },
  })
  console.log('\nbench/results.json updated under "startup"')
}

await main()
