/**
 * Stock bench: how long the Keygram server takes to accept a 10,000-row KeyCRM stock-balance webhook (the
 * size of a catalogue import), and how many Telegram messages its alerts become.
 *
 * Each run starts `createKeygramServer` (webhook role, SQLite store in a fresh temp folder, the fake
 * Telegram Bot API, `KEYGRAM_STOCK_LOW=15`) and POSTs over HTTP, as KeyCRM does:
 * 1. a 10,000-row import of offers never seen, all in stock (40 available): no alerts;
 * 2. the same offers with every tenth down to 2 available: 1,000 crossings.
 * Measured: wall time of each POST until its `200` (the alerts are durable by then), and the messages the
 * fake Bot API received for the second one. Median of 3 runs.
 *
 * Run: `node --import tsx bench/stock.ts`. `BENCH_SCALE` below 1 does one run with fewer rows
 * (results.json untouched).
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeygramServer, resolveConfig } from '../packages/server-node/src/index.ts'
import { createFakeBotApi } from '../packages/testing/src/index.ts'
import { mergeResults } from './lib/results.ts'
import { readScale } from './lib/scale.ts'
import { formatTable } from './lib/table.ts'

const SECRET = 'bench-stock-secret-0123456789abcdef'
const CHAT_ID = '700000099'
const LOW = 15

interface StockSample {
  quietMs: number
  crossingMs: number
  crossings: number
  messages: number
  bodyBytes: number
}

function importRows(count: number, crossing: boolean) {
  return Array.from({ length: count }, (_, index) => ({
    offer_id: 300_000 + index,
    sku: `a001-${index}`,
    in_stock: crossing && index % 10 === 0 ? 3 : 40,
    in_reserve: crossing && index % 10 === 0 ? 1 : 0,
  }))
}

async function runOnce(rows: number): Promise<StockSample> {
  const fake = await createFakeBotApi()
  const dir = await mkdtemp(join(tmpdir(), 'keygram-bench-stock-'))
  const config = resolveConfig(undefined, {
    TELEGRAM_BOT_TOKEN: fake.token,
    KEYGRAM_WEBHOOK_SECRET: SECRET,
    KEYGRAM_CHAT_ID: CHAT_ID,
    KEYGRAM_STOCK_LOW: String(LOW),
    KEYGRAM_LOCALE: 'en',
    TELEGRAM_API_ROOT: fake.url,
    KEYGRAM_STORE: `sqlite:${join(dir, 'keygram.db')}`,
    KEYGRAM_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    LOG_LEVEL: 'silent',
  })
  const server = createKeygramServer(config, { role: 'webhook' })
  try {
    const { webhook } = await server.start()
    const post = async (body: string) => {
      const started = performance.now()
      const response = await fetch(`${webhook}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const reply = (await response.json()) as { status: string; crossings: number; messages: number }
      const ms = performance.now() - started
      if (response.status !== 200) throw new Error(`stock webhook answered ${response.status}`)
      return { ms, reply }
    }
    await post(JSON.stringify(importRows(10, false).map((row) => ({ ...row, offer_id: row.offer_id + 1e6 }))))
    const quiet = await post(JSON.stringify(importRows(rows, false)))
    const body = JSON.stringify(importRows(rows, true))
    const crossing = await post(body)
    const deadline = Date.now() + 60_000
    while (fake.sent.length < crossing.reply.messages && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    if (fake.sent.length !== crossing.reply.messages)
      throw new Error(`expected ${crossing.reply.messages} messages, the fake got ${fake.sent.length}`)
    return {
      quietMs: quiet.ms,
      crossingMs: crossing.ms,
      crossings: crossing.reply.crossings,
      messages: fake.sent.length,
      bodyBytes: Buffer.byteLength(body),
    }
  } finally {
    await server.stop()
    await fake.close()
    await rm(dir, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function main(): Promise<void> {
  const scale = readScale()
  const rows = Math.max(100, Math.round(10_000 * Math.min(1, scale)))
  const runs = scale < 1 ? 1 : 3
  const samples: StockSample[] = []
  for (let run = 0; run < runs; run++) samples.push(await runOnce(rows))
  const first = samples[0]!
  const result = {
    rows,
    body_bytes: first.bodyBytes,
    accept_ms: Math.round(median(samples.map((sample) => sample.crossingMs))),
    accept_ms_no_crossings: Math.round(median(samples.map((sample) => sample.quietMs))),
    crossings: first.crossings,
    messages: first.messages,
    store: 'sqlite',
    runs,
  }
  console.log(
    formatTable(
      ['import', 'rows', 'crossings', 'accepted in (median)', 'messages'],
      [
        ['offers first seen, none low', String(rows), '0', `${result.accept_ms_no_crossings} ms`, '0'],
        [
          'every tenth offer low',
          String(rows),
          String(result.crossings),
          `${result.accept_ms} ms`,
          String(result.messages),
        ],
      ],
    ),
  )
  console.log(`\nbody ${(result.body_bytes / 1_048_576).toFixed(2)} MiB; SQLite store; ${runs} run(s)`)
  if (scale >= 1) await mergeResults({ stock: result })
}

await main()
