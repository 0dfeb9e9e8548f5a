/**
 * One server under the ingest bench, run in its own process so it never shares an event loop with the
 * load generator: `node --import tsx bench/lib/ingest-target.ts <target> <port>`. It prints one line
 * `ready <url>` once it listens and stops cleanly on SIGTERM (printing `stopped <details>`).
 *
 * Targets:
 * - `node-http`: a bare `node:http` server that reads the body and answers 204 (the baseline).
 * - `express`: Express 5 with `express.json()` parsing the body, answering 204.
 * - `keygram-memory`, `keygram-sqlite`: the real `keygram serve --role webhook` server (h3, routes,
 *   enqueue, delivery worker) on the memory or a fresh SQLite store. The worker sends through a
 *   transport that only counts (no network), at the production limits.
 * - `keygram-discard`: the same server on the memory store, with an enqueue that keeps nothing
 *   (`./discard-queue.ts`): the ceiling of the server's own work, with no store's cost in it.
 *
 * The Keygram servers log JSON at `BENCH_LOG_LEVEL` (default `info`, as deployed: a line per webhook), into a
 * file in their temporary folder; `stopped` reports how many lines.
 *
 * @module
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type KeygramStore, memoryStore, type TelegramTransport } from '../../packages/core/src/index.ts'
import { createKeygramServer, createLogger, loadConfig } from '../../packages/server-node/src/index.ts'
import { createLineSink } from '../../packages/server-node/src/logging/line-sink.ts'
import { discardingQueue } from './discard-queue.ts'
import { BENCH_CHAT_ID, BENCH_SECRET, type IngestTarget, isIngestTarget } from './ingest-load.ts'

const HOST = '127.0.0.1'

// Express ships no types; the bench uses this much of it.
interface ExpressApp extends RequestListener {
  post(path: string, ...handlers: unknown[]): void
}
interface Express {
  (): ExpressApp
  json(options: { limit: string }): unknown
}
const express = createRequire(import.meta.url)('express') as Express

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function listenOn(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      const address = server.address()
      resolve(`http://${HOST}:${typeof address === 'object' && address !== null ? address.port : port}`)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

async function startNodeHttp(port: number): Promise<{ url: string; stop: () => Promise<string> }> {
  const server = createServer((req, res) => {
    readBody(req).then(
      () => {
        res.statusCode = 204
        res.end()
      },
      () => {
        res.statusCode = 400
        res.end()
      },
    )
  })
  return { url: await listenOn(server, port), stop: () => closeServer(server).then(() => '') }
}

async function startExpress(port: number): Promise<{ url: string; stop: () => Promise<string> }> {
  const app = express()
  app.post(
    '/webhooks/keycrm/:secret',
    express.json({ limit: '1mb' }),
    (_req: unknown, res: { sendStatus(status: number): void }) => {
      res.sendStatus(204)
    },
  )
  const server = createServer(app)
  return { url: await listenOn(server, port), stop: () => closeServer(server).then(() => '') }
}

type StoreKind = 'memory' | 'sqlite' | 'discard'

/** `BENCH_LOG_LEVEL` (default `info`, the server's default). */
function logLevel(): string {
  const level = process.env.BENCH_LOG_LEVEL ?? 'info'
  if (!['error', 'warn', 'info', 'debug'].includes(level)) throw new Error(`BENCH_LOG_LEVEL: ${level}?`)
  return level
}

function discardingMemoryStore(): KeygramStore {
  const store = memoryStore()
  return { ...store, queue: discardingQueue(store.queue) }
}

async function startKeygram(
  port: number,
  storeKind: StoreKind,
): Promise<{ url: string; stop: () => Promise<string> }> {
  const folder = mkdtempSync(join(tmpdir(), 'keygram-bench-ingest-'))
  let sent = 0
  // Counts instead of sending: the bench measures ingest, and must never reach the real Telegram.
  const transport: TelegramTransport = {
    async sendMessage() {
      sent++
      return { ok: true, messageId: sent }
    },
  }
  const config = await loadConfig({
    cwd: folder,
    dotenv: false,
    isTTY: false,
    env: {
      TELEGRAM_BOT_TOKEN: `123456789:${'A'.repeat(35)}`,
      KEYGRAM_WEBHOOK_SECRET: BENCH_SECRET,
      KEYGRAM_CHAT_ID: BENCH_CHAT_ID,
      KEYCRM_DOMAIN: 'demo',
      KEYGRAM_STORE: storeKind === 'sqlite' ? `sqlite:${join(folder, 'keygram.db')}` : 'memory:',
      KEYGRAM_HOST: HOST,
      WEBHOOK_PORT: String(port),
      // Info by default, as deployed: one line per accepted webhook (and per delivery) to stdout, a pipe.
      LOG_LEVEL: logLevel(),
      LOG_FORMAT: 'json',
    },
  })
  // The log goes to a file through the server's own line sink: into this process's stdout pipe it would be
  // read by the bench's process, which also runs the load; when that reader falls behind, the pipe fills
  // and the server's writes block, which a log collector on its own process (Docker's) does not cause.
  const logFd = openSync(join(folder, 'server.log'), 'a')
  const sink = createLineSink(
    { write: (text) => writeSync(logFd, text) },
    { write: (text) => writeSync(logFd, text) },
  )
  const logger = createLogger({ ...config.log, secrets: [BENCH_SECRET], write: sink.write })
  const server = createKeygramServer(config, {
    role: 'webhook',
    logger,
    transport,
    ...(storeKind === 'discard' ? { store: discardingMemoryStore() } : {}),
  })
  const { webhook } = await server.start()
  if (webhook === null) throw new Error('the webhook role did not start')
  return {
    url: webhook,
    stop: async () => {
      await server.stop()
      sink.flush()
      const logLines = readFileSync(join(folder, 'server.log'), 'utf8').split('\n').length - 1
      closeSync(logFd)
      rmSync(folder, { recursive: true, force: true })
      return `sent=${sent} log_lines=${logLines}`
    },
  }
}

function start(target: IngestTarget, port: number): Promise<{ url: string; stop: () => Promise<string> }> {
  switch (target) {
    case 'node-http':
      return startNodeHttp(port)
    case 'express':
      return startExpress(port)
    case 'keygram-memory':
      return startKeygram(port, 'memory')
    case 'keygram-sqlite':
      return startKeygram(port, 'sqlite')
    case 'keygram-discard':
      return startKeygram(port, 'discard')
  }
}

async function main(): Promise<void> {
  const [target, portText = '9000'] = process.argv.slice(2)
  if (!isIngestTarget(target)) throw new Error(`unknown target ${JSON.stringify(target)}`)
  const running = await start(target, Number(portText))
  process.stdout.write(`ready ${running.url}\n`)
  process.once('SIGTERM', () => {
    running.stop().then(
      (details) => {
        process.stdout.write(`stopped ${details}\n`)
        process.exit(0)
      },
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`)
        process.exit(1)
      },
    )
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
