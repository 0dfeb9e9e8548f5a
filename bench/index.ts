/**
 * `pnpm bench`: every bench, one after another, each in its own Node process (so one bench's heap, JIT
 * state and open handles never colour the next one's numbers), then the recorded summary.
 *
 * Run: `node --import tsx bench/index.ts [name...]`, e.g. `pnpm bench format startup` for two of them.
 * `BENCH_SCALE` (and every other variable) passes through to the benches: below 1 each does a quick run and
 * leaves `bench/results.json` untouched.
 *
 * @module
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { machineDescription, RESULTS_FILE, readResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'

/**
 * The benches in the order they run: the longest (delivery, about four minutes) is not first; cards (a
 * quarter of an hour: 300 card edits at a group's 20 per minute) is last.
 */
export const BENCHES = ['ingest', 'delivery', 'latency', 'format', 'startup', 'stock', 'cards'] as const

/** The headline numbers of each bench in the summary. */
const HEADLINES: Record<(typeof BENCHES)[number], readonly string[]> = {
  ingest: ['ratio_vs_node_http', 'rps', 'p99_ms'],
  delivery: ['ratio_vs_minimum', 'http_429', 'throttler_ratio_vs_minimum', 'throttler_http_429'],
  latency: [
    'one_process_p99_ms',
    'two_process_p99_ms',
    'one_process_p99_ratio_vs_poll',
    'two_process_p99_ratio_vs_poll',
  ],
  format: ['per_second', 'json_stringify_per_second', 'ratio_vs_json_stringify'],
  startup: ['ready_ms', 'idle_rss_mb', 'ratio_vs_bare_node'],
  stock: ['accept_ms', 'messages', 'crossings'],
  cards: ['summaries_seconds', 'http_429', 'card_edits', 'edits_trailing_seconds', 'new_order_seconds'],
}

type BenchName = (typeof BENCHES)[number]

function isBench(name: string): name is BenchName {
  return (BENCHES as readonly string[]).includes(name)
}

/** Runs `bench/<name>.ts` in a child Node process with this process's environment; resolves its exit code. */
async function runBench(name: BenchName): Promise<number> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit', env: process.env })
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
  return code ?? (signal === null ? 1 : 128)
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2)
  const unknown = requested.filter((name) => !isBench(name))
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`)
  const selected = requested.length === 0 ? [...BENCHES] : requested.filter(isBench)
  const scale = readScale()

  console.log(`machine: ${machineDescription()}`)
  console.log(`benches: ${selected.join(', ')}; BENCH_SCALE ${scale}\n`)
  const outcomes: { name: BenchName; code: number; seconds: number }[] = []
  for (const name of selected) {
    console.log(`\n=== bench/${name}.ts ===\n`)
    const started = performance.now()
    const code = await runBench(name)
    outcomes.push({ name, code, seconds: (performance.now() - started) / 1000 })
  }

  console.log('\n=== summary ===\n')
  const results = await readResults()
  for (const { name, code, seconds } of outcomes) {
    const recorded = results[name] as Record<string, unknown> | undefined
    const numbers =
      recorded === undefined
        ? '(nothing recorded)'
        : HEADLINES[name].map((key) => `${key} ${JSON.stringify(recorded[key])}`).join(', ')
    console.log(
      `${code === 0 ? 'ok    ' : `FAILED`} ${name.padEnd(8)} ${seconds.toFixed(0).padStart(4)} s  ${numbers}`,
    )
  }
  console.log(`\nmachine (as recorded): ${String(results.machine ?? '(none)')}`)
  console.log(scale === 1 ? `recorded in ${RESULTS_FILE}` : 'quick run: results.json untouched by this run')
  if (outcomes.some((outcome) => outcome.code !== 0)) process.exitCode = 1
}

await main()
