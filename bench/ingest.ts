/**
 * Ingest bench: webhook requests per second and p50/p99 latency of Keygram's webhook server (memory and
 * SQLite stores) against a bare `node:http` server that only reads the body and answers 204, and an
 * Express 5 handler that parses it with `express.json()`, all in the same run, on the same port.
 *
 * A fifth target, `keygram-discard`, is the same Keygram server with an enqueue that keeps nothing: the
 * ceiling of everything the server does but storing, so the run shows how much of the gap to node:http is
 * the backlog the memory store holds.
 *
 * Each server runs in its own child process (`bench/lib/ingest-target.ts`); autocannon runs here, so load
 * and server never share an event loop. Rounds interleave the targets (node-http, express, memory, sqlite,
 * discard, then again) so a slow spell of a shared machine hits them alike; each target's best round counts.
 *
 * After the rounds it measures Keygram's core work on a webhook in-process, with no HTTP (parse and route;
 * then also the enqueue into the memory store, see `bench/lib/core-pipeline.ts`), and sets it against the
 * time per request that the goal (0.8x bare `node:http`) leaves a single-threaded server in this run. It also
 * times the server's acceptor with its log at `warn` and at `info` (`bench/lib/accept-log.ts`): what the info
 * line per accepted webhook costs.
 *
 * Run: `node --import tsx bench/ingest.ts` (see bench/README.md for the environment variables).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { measureAcceptLogging } from './lib/accept-log.ts'
import { type LoadRunResult, runLoad } from './lib/autocannon.ts'
import { measureCorePipeline } from './lib/core-pipeline.ts'
import {
  INGEST_TARGETS,
  type IngestTarget,
  isIngestTarget,
  WEBHOOK_PATH,
  webhookBody,
} from './lib/ingest-load.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TARGET_SCRIPT = fileURLToPath(new URL('./lib/ingest-target.ts', import.meta.url))
const FULL_DURATION_SECONDS = 10
const FULL_ROUNDS = 2
/** The issue's goal: the memory store at this share of bare `node:http`'s requests per second, or more. */
const GOAL_RATIO = 0.8
const PIPELINE_WEBHOOKS = 100_000

interface Settings {
  port: number
  connections: number
  durationSeconds: number
  warmupSeconds: number
  rounds: number
  targets: IngestTarget[]
  /** Extra Node flags for the server processes, e.g. `--cpu-prof --cpu-prof-dir=...`. */
  nodeArgs: string[]
  /** Webhooks per pass of the in-process core measure. */
  pipelineWebhooks: number
  /** Whether this is a full run whose numbers go into results.json. */
  record: boolean
}

interface Measured extends LoadRunResult {
  target: IngestTarget
  round: number
  details: string
  /** Server CPU time (user + system) per answered request, in µs; `null` where /proc is missing. */
  cpuUsPerRequest: number | null
}

/**
 * CPU time (user + system) a process has used, in ms, from /proc (Linux); `null` elsewhere. Throughput on a
 * shared machine swings with whatever else runs; the server's own CPU time per request hardly does.
 */
function cpuTimeMs(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? ticks * 10 : null // USER_HZ is 100 on Linux
  } catch {
    return null
  }
}

function numberSetting(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} must be a positive number`)
  return value
}

function readSettings(): Settings {
  const targets = (process.env.BENCH_TARGETS ?? INGEST_TARGETS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  for (const name of targets) {
    if (!isIngestTarget(name)) throw new Error(`BENCH_TARGETS: unknown target ${JSON.stringify(name)}`)
  }
  // BENCH_SCALE below 1 (e.g. `pnpm bench` quick runs): shorter runs, one round, nothing recorded.
  const scale = Math.min(1, readScale())
  const durationSeconds = numberSetting(
    'BENCH_DURATION',
    Math.max(1, Math.round(FULL_DURATION_SECONDS * scale)),
  )
  const rounds = Math.round(numberSetting('BENCH_ROUNDS', scale < 1 ? 1 : FULL_ROUNDS))
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')
  return {
    port: numberSetting('BENCH_PORT', 9000),
    connections: Math.round(numberSetting('BENCH_CONNECTIONS', 32)),
    durationSeconds,
    warmupSeconds: numberSetting('BENCH_WARMUP', Math.max(1, Math.round(3 * scale))),
    rounds,
    targets: targets as IngestTarget[],
    nodeArgs,
    pipelineWebhooks: Math.max(10_000, Math.round(PIPELINE_WEBHOOKS * scale)),
    record:
      targets.length === INGEST_TARGETS.length &&
      durationSeconds >= FULL_DURATION_SECONDS &&
      rounds >= FULL_ROUNDS &&
      nodeArgs.length === 0 &&
      (process.env.BENCH_LOG_LEVEL ?? 'info') === 'info',
  }
}

/** Starts a target's process and resolves once it printed `ready <url>`. */
async function startTarget(
  target: IngestTarget,
  settings: Settings,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    [...settings.nodeArgs, '--import', 'tsx', TARGET_SCRIPT, target, String(settings.port)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${target} did not start within 30 s:\n${stderr}`)),
      30_000,
    )
    const check = () => {
      const match = /^ready (\S+)$/m.exec(stdout)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${target} exited with ${code} before it was ready:\n${stderr}`))
    })
  })
  return { child, url, output: () => `${stdout}${stderr}` }
}

async function stopTarget(child: ChildProcess, output: () => string): Promise<string> {
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const [code] = (await exited) as [number | null]
  clearTimeout(timer)
  if (code !== 0) throw new Error(`the server exited with ${code}:\n${output()}`)
  return /^stopped (.*)$/m.exec(output())?.[1] ?? ''
}

let nextBodyIndex = 0

async function measure(target: IngestTarget, round: number, settings: Settings): Promise<Measured> {
  const { child, url, output } = await startTarget(target, settings)
  try {
    const common = { url, path: WEBHOOK_PATH, connections: settings.connections, body: webhookBody }
    // Warm-up: JIT, connection setup and (for SQLite) the first pages of the file.
    const warm = await runLoad({
      ...common,
      durationSeconds: settings.warmupSeconds,
      firstIndex: nextBodyIndex,
    })
    const cpuBefore = cpuTimeMs(child.pid)
    const run = await runLoad({
      ...common,
      durationSeconds: settings.durationSeconds,
      firstIndex: warm.nextIndex,
    })
    const cpuAfter = cpuTimeMs(child.pid)
    const cpuUsPerRequest =
      cpuBefore === null || cpuAfter === null || run.ok === 0
        ? null
        : Math.round(((cpuAfter - cpuBefore) * 1000) / run.ok)
    nextBodyIndex = run.nextIndex
    const details = await stopTarget(child, output)
    const failed = Object.values(run.failures).reduce((sum, count) => sum + count, 0) + run.errors
    if (failed > 0 || run.ok === 0) {
      throw new Error(
        `${target}: ${failed} of ${run.ok + failed} requests failed (${JSON.stringify(run.failures)}, ${run.errors} errors)`,
      )
    }
    return { ...run, target, round, details, cpuUsPerRequest }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

interface PipelineCosts {
  /** In-process µs per webhook: parse and route, enqueue into a store that keeps nothing. */
  parseAndRoute: number
  /** The same with `memoryStore()` keeping every job. */
  withMemoryStore: number
  /** The server's acceptor (notifier, metrics, log line) on parsed webhooks, at LOG_LEVEL warn and info. */
  accept: { logWarn: number; logInfo: number }
}

async function measurePipeline(settings: Settings): Promise<PipelineCosts> {
  const common = { webhooks: settings.pipelineWebhooks, passes: settings.rounds, firstIndex: nextBodyIndex }
  const bare = await measureCorePipeline({ ...common, store: 'none' })
  const stored = await measureCorePipeline({ ...common, store: 'memory', firstIndex: bare.nextIndex })
  // A difference of a few µs: many short passes, alternating levels, so that some run undisturbed on a busy
  // machine and the fastest of each level compares like with like.
  const accept = await measureAcceptLogging({
    webhooks: Math.max(10_000, Math.round(common.webhooks / 10)),
    passes: 20,
    firstIndex: stored.nextIndex,
  })
  nextBodyIndex = accept.nextIndex
  return {
    parseAndRoute: bare.usPerWebhook,
    withMemoryStore: stored.usPerWebhook,
    accept: { logWarn: accept.warnUs, logInfo: accept.infoUs },
  }
}

/**
 * The time per request a server on one thread can spend at the goal's rate: at `GOAL_RATIO` of bare
 * `node:http`'s requests per second, a busy thread has at most this many µs for each request.
 */
function goalBudgetUs(baseline: Measured): number {
  return Math.round(1e6 / (GOAL_RATIO * baseline.rps))
}

/** Lines setting the measured costs against the goal's time per request. */
function budgetReport(
  runs: Measured[],
  baseline: Measured,
  memory: Measured | undefined,
  discard: Measured | undefined,
  pipeline: PipelineCosts,
): string[] {
  const budget = goalBudgetUs(baseline)
  const lines = [
    `Keygram's core work per webhook, in-process (no HTTP): parse + route ${pipeline.parseAndRoute} µs; with the enqueue into the memory store ${pipeline.withMemoryStore} µs.`,
    `The server's acceptor (notifier, metrics, log line) per parsed webhook: ${pipeline.accept.logWarn} µs at LOG_LEVEL=warn, ${pipeline.accept.logInfo} µs at info; the info line per webhook costs ${Math.round((pipeline.accept.logInfo - pipeline.accept.logWarn) * 10) / 10} µs.`,
    `The goal (${GOAL_RATIO}x node:http = ${Math.round(GOAL_RATIO * baseline.rps)} req/s) leaves one thread ${budget} µs per request.`,
  ]
  if (baseline.cpuUsPerRequest !== null) {
    const floor = Math.round(baseline.cpuUsPerRequest + pipeline.withMemoryStore)
    lines.push(
      `node:http's own request costs ${baseline.cpuUsPerRequest} µs of server CPU; with the core work that is at least ${floor} µs, ${floor <= budget ? 'within' : 'over'} the ${budget} µs${memory?.cpuUsPerRequest == null ? '' : ` (the Keygram server measured ${memory.cpuUsPerRequest} µs)`}.`,
    )
  }
  if (discard !== undefined) {
    const backlogCosts = backlogCostByRound(runs)
    lines.push(
      `With an enqueue that keeps nothing the same server answers ${Math.round(discard.rps)} req/s (${round3(discard.rps / baseline.rps)}x node:http) at ${discard.cpuUsPerRequest ?? '-'} µs per request${backlogCosts.length === 0 ? '' : `; keeping the backlog costs the memory store's server ${backlogCosts.join(', ')} µs per request, round by round`}.`,
    )
  }
  return lines
}

/**
 * Server CPU per request of the memory store's server minus that of the discarding one, round by round:
 * what holding the backlog costs (within a round, since CPU per request too moves with the machine).
 */
function backlogCostByRound(runs: Measured[]): number[] {
  const costs: number[] = []
  for (const memory of runs) {
    if (memory.target !== 'keygram-memory' || memory.cpuUsPerRequest === null) continue
    const discard = runs.find((run) => run.round === memory.round && run.target === 'keygram-discard')
    if (discard?.cpuUsPerRequest != null) costs.push(memory.cpuUsPerRequest - discard.cpuUsPerRequest)
  }
  return costs
}

/**
 * Each round's `target` against that round's node:http, in round order. Runs of one round are seconds
 * apart, so a slow spell of a shared machine tends to hit both: steadier than best against best.
 */
function ratiosByRound(runs: Measured[], target: IngestTarget): number[] {
  const ratios: number[] = []
  for (const run of runs) {
    if (run.target !== target) continue
    const base = runs.find((other) => other.round === run.round && other.target === 'node-http')
    if (base !== undefined) ratios.push(round3(run.rps / base.rps))
  }
  return ratios
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

async function main(): Promise<void> {
  const settings = readSettings()
  console.log(
    `ingest bench: ${settings.targets.join(', ')}; ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per run, ${settings.rounds} round(s), port ${settings.port}`,
  )
  const runs: Measured[] = []
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of settings.targets) {
      const run = await measure(target, round, settings)
      runs.push(run)
      console.log(
        `  round ${round} ${target.padEnd(14)} ${Math.round(run.rps).toString().padStart(6)} req/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms  cpu ${run.cpuUsPerRequest ?? '-'} µs/req${run.details === '' ? '' : `  (${run.details})`}`,
      )
    }
  }

  const best = new Map<IngestTarget, Measured>()
  for (const run of runs) {
    const current = best.get(run.target)
    if (current === undefined || run.rps > current.rps) best.set(run.target, run)
  }
  const baseline = best.get('node-http')
  const ratio = (run: Measured | undefined) =>
    run === undefined || baseline === undefined ? null : round3(run.rps / baseline.rps)
  console.log()
  console.log(
    formatTable(
      ['target', 'req/s', 'x node:http', 'p50 ms', 'p99 ms', 'server cpu µs/req'],
      [...best.values()].map((run) => [
        run.target,
        String(Math.round(run.rps)),
        ratio(run)?.toFixed(3) ?? '-',
        String(run.p50Ms),
        String(run.p99Ms),
        String(run.cpuUsPerRequest ?? '-'),
      ]),
    ),
  )

  const memory = best.get('keygram-memory')
  const discard = best.get('keygram-discard')
  const memoryByRound = ratiosByRound(runs, 'keygram-memory')
  if (memoryByRound.length > 0) {
    console.log(`\nkeygram-memory against node:http round by round: ${memoryByRound.join(', ')}`)
  }
  const pipeline = await measurePipeline(settings)
  if (baseline !== undefined) {
    console.log(`\n${budgetReport(runs, baseline, memory, discard, pipeline).join('\n')}`)
  }

  const sqlite = best.get('keygram-sqlite')
  const expressRun = best.get('express')
  if (
    !settings.record ||
    memory === undefined ||
    sqlite === undefined ||
    expressRun === undefined ||
    discard === undefined ||
    !baseline
  ) {
    console.log('\n(not a full run: bench/results.json left unchanged)')
    return
  }
  await mergeResults({
    ingest: {
      ratio_vs_node_http: ratio(memory),
      ratio_by_round: memoryByRound,
      rps: Math.round(memory.rps),
      p99_ms: memory.p99Ms,
      p50_ms: memory.p50Ms,
      node_http_rps: Math.round(baseline.rps),
      express_rps: Math.round(expressRun.rps),
      express_ratio_vs_node_http: ratio(expressRun),
      sqlite_rps: Math.round(sqlite.rps),
      sqlite_ratio_vs_node_http: ratio(sqlite),
      sqlite_p50_ms: sqlite.p50Ms,
      sqlite_p99_ms: sqlite.p99Ms,
      discard_rps: Math.round(discard.rps),
      discard_ratio_vs_node_http: ratio(discard),
      backlog_cpu_us_per_request_by_round: backlogCostByRound(runs),
      server_cpu_us_per_request: {
        node_http: baseline.cpuUsPerRequest,
        express: expressRun.cpuUsPerRequest,
        keygram_memory: memory.cpuUsPerRequest,
        keygram_sqlite: sqlite.cpuUsPerRequest,
        keygram_discard: discard.cpuUsPerRequest,
      },
      core_us_per_webhook: {
        parse_and_route: pipeline.parseAndRoute,
        with_memory_store: pipeline.withMemoryStore,
      },
      accept_us_per_webhook: { log_warn: pipeline.accept.logWarn, log_info: pipeline.accept.logInfo },
      goal_us_per_request: goalBudgetUs(baseline),
      connections: settings.connections,
      duration_seconds: settings.durationSeconds,
      rounds: settings.rounds,
    },
  })
  console.log('\nwritten to bench/results.json (key "ingest")')
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
