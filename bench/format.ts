/**
 * Format bench: notifications formatted per second (`formatNotification`, KeyCRM event to Telegram HTML
 * messages) for the sample payloads, against a plain `JSON.stringify` of the same bodies measured in the
 * same run, the least a bot that forwards raw JSON would do.
 *
 * Payloads: the real KeyCRM fixtures in `packages/core/test/fixtures/` (event webhooks only; the stock-balance
 * webhook is not an event) and the CLI's `sampleWebhooks()`. Each is parsed once up front: only formatting
 * is measured. The two workloads alternate in short slices so a slow spell of a shared machine hits both
 * alike; the median slice rate of each counts.
 *
 * Run: `node --import tsx bench/format.ts`. `BENCH_SCALE=0.1` makes the slices shorter (results.json
 * untouched).
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type FormatOptions,
  formatNotification,
  type KeycrmEvent,
  parseWebhook,
} from '../packages/core/src/index.ts'
import { sampleWebhooks } from '../packages/server-node/src/samples.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const PAYLOADS_DIR =
  process.env.KEYCRM_PAYLOADS ?? fileURLToPath(new URL('../packages/core/test/fixtures', import.meta.url))
// What the server formats with by default (uk, UAH, Europe/Kyiv) plus the "Open in KeyCRM" button.
const FORMAT: FormatOptions = { keycrmDomain: 'demo' }
const FULL_SLICE_MS = 250
const FULL_SLICES = 24
const WARMUP_MS = 500

/** One payload: its name, the body as posted and the event it parses to. */
interface Payload {
  name: string
  body: unknown
  event: KeycrmEvent
}

/** Loads the fixture event webhooks and the bundled samples, parsed. */
async function loadPayloads(): Promise<Payload[]> {
  const payloads: Payload[] = []
  for (const file of (await readdir(PAYLOADS_DIR)).filter((name) => name.endsWith('.json')).sort()) {
    const body: unknown = JSON.parse(await readFile(join(PAYLOADS_DIR, file), 'utf8'))
    // The stock-balance webhook is an array with no `event`: not a notification of this kind.
    if (Array.isArray(body)) continue
    payloads.push({ name: file.replace(/\.json$/, ''), body, event: parseWebhook(body) })
  }
  // A fixed time: the samples must be the same in every run.
  for (const sample of sampleWebhooks(Date.UTC(2026, 1, 2, 9, 0, 0))) {
    payloads.push({ name: `sample: ${sample.name}`, body: sample.body, event: parseWebhook(sample.body) })
  }
  if (payloads.length === 0) throw new Error(`no event payloads found in ${PAYLOADS_DIR}`)
  return payloads
}

/** Runs `work` (one notification per call) for about `ms`; returns notifications per second. */
function rateFor(ms: number, work: (index: number) => number, sink: { total: number }): number {
  const started = performance.now()
  const deadline = started + ms
  let done = 0
  let now = started
  // Check the clock every 32 calls: `performance.now()` would otherwise be part of what is measured.
  while (now < deadline) {
    for (let batch = 0; batch < 32; batch++) sink.total += work(done++)
    now = performance.now()
  }
  return (done * 1000) / (now - started)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function main(): Promise<void> {
  const scale = readScale()
  const payloads = await loadPayloads()
  const count = payloads.length
  // The result lengths go into a sink that is printed, so neither loop can be optimised away.
  const sink = { total: 0 }
  const format = (index: number) => {
    const messages = formatNotification(payloads[index % count]!.event, FORMAT)
    return messages.length + messages[0]!.text.length
  }
  const stringify = (index: number) => JSON.stringify(payloads[index % count]!.body).length

  // Every payload must format to something Telegram accepts before it is worth timing.
  for (const payload of payloads) {
    const messages = formatNotification(payload.event, FORMAT)
    if (messages.length === 0 || messages.some((message) => message.text.trim() === '')) {
      throw new Error(`${payload.name}: formatted to an empty message`)
    }
  }

  rateFor(WARMUP_MS * Math.min(1, scale), format, sink)
  rateFor(WARMUP_MS * Math.min(1, scale), stringify, sink)
  const sliceMs = Math.max(20, FULL_SLICE_MS * scale)
  const slices = Math.max(4, Math.round(FULL_SLICES * Math.min(1, scale * 2)))
  const formatRates: number[] = []
  const stringifyRates: number[] = []
  for (let slice = 0; slice < slices; slice++) {
    formatRates.push(rateFor(sliceMs, format, sink))
    stringifyRates.push(rateFor(sliceMs, stringify, sink))
  }
  const perSecond = median(formatRates)
  const jsonPerSecond = median(stringifyRates)
  const ratio = perSecond / jsonPerSecond

  // Per payload, to show which one costs most (one short run each; not recorded).
  const perPayload = payloads.map((payload) => {
    const one = () => {
      const messages = formatNotification(payload.event, FORMAT)
      return messages.length + messages[0]!.text.length
    }
    return [payload.name, Math.round(rateFor(sliceMs, one, sink)).toLocaleString('en-US')]
  })

  console.log(`format bench: ${count} payloads, ${slices} slices of ${sliceMs} ms each; scale ${scale}\n`)
  console.log(
    formatTable(
      ['workload', 'per second (median)', 'µs each', 'ratio'],
      [
        [
          'formatNotification',
          Math.round(perSecond).toLocaleString('en-US'),
          (1e6 / perSecond).toFixed(2),
          ratio.toFixed(4),
        ],
        [
          'JSON.stringify (baseline)',
          Math.round(jsonPerSecond).toLocaleString('en-US'),
          (1e6 / jsonPerSecond).toFixed(2),
          '1',
        ],
      ],
    ),
  )
  console.log(`\n${formatTable(['payload', 'formatted per second'], perPayload)}`)
  console.log(`\n(sink ${sink.total})`)

  if (scale !== 1) {
    console.log('\nbench/results.json not updated (only full runs are recorded)')
    return
  }
  await mergeResults({
    format: {
      per_second: Math.round(perSecond),
      json_stringify_per_second: Math.round(jsonPerSecond),
      ratio_vs_json_stringify: Math.round(ratio * 10_000) / 10_000,
      payloads: count,
    },
  })
  console.log('\nbench/results.json updated under "format"')
}

await main()
