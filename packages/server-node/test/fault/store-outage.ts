/**
 * The "bad day" scenario the store fault tests share: a real `keygram serve --role webhook` (its own
 * process, real HTTP) on a store the test owns, KeyCRM webhooks arriving before, during and after a store
 * outage the test causes (a private Redis or PostgreSQL stopped and restarted, a full disk), and a fake
 * Telegram Bot API that collects what is delivered.
 *
 * What it measures: per webhook, the status and how long the answer took; `/readyz` over time; the log lines
 * the server wrote about the store during the outage; and, at the end, whether every webhook answered 2xx
 * was delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from '../helpers/child.ts'
import { generateWebhooks } from './webhooks.ts'

const SECRET = 'bad-days-webhook-secret-0123456789abcdef'
const CHAT_ID = '700000042'
const LISTENING = /webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/

/** One webhook's fate. */
export interface WebhookAnswer {
  orderId: number
  status: number
  /** The `error` field of a refusal. */
  error: string | null
  ms: number
}

/** A running server with its fake Bot API. */
export interface OutageServer {
  url: string
  child: KeygramChild
  fake: FakeBotApi
  /** Posts the next generated webhook (a new order each time) and reports its answer. */
  post(): Promise<WebhookAnswer>
  /** Posts the webhook of `orderId` again, as KeyCRM retries one it was refused. */
  repost(orderId: number): Promise<WebhookAnswer & { queued: string | null }>
  /** How many times each order id appears in what the fake received. */
  deliveryCounts(): Map<number, number>
  /** Posts `count` webhooks, `concurrency` at a time. */
  postMany(count: number, concurrency?: number): Promise<WebhookAnswer[]>
  /** `/readyz`'s status code. */
  readyz(): Promise<number>
  /** Polls `/readyz` until it answers `status`; resolves the ms it took, rejects after `timeoutMs`. */
  waitReady(status: 200 | 503, timeoutMs: number): Promise<number>
  /** Log lines (parsed JSON) written so far. */
  logLines(): LogLine[]
  /** Resolves once every order in `orderIds` reached the fake, or rejects with the missing ones. */
  waitDelivered(orderIds: readonly number[], timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

/** A JSON log line of the server. */
export interface LogLine {
  level: string
  msg: string
  err?: string
}

/** Starts the server on `storeUrl` (the folder `dir` is its working directory). */
export async function startOutageServer(storeUrl: string, dir: string): Promise<OutageServer> {
  const fake = await createFakeBotApi({ seed: 20_261_207 })
  const child = startKeygram(
    ['serve', '--role', 'webhook'],
    localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      KEYGRAM_STORE: storeUrl,
      // The outage lines are errors and warnings; the per-webhook info lines would only bulk up the output.
      LOG_LEVEL: 'info',
    }),
    dir,
  )
  let url: string
  try {
    url = (await child.waitFor(LISTENING, 30_000))[1]!
  } catch (error) {
    killIfRunning(child)
    await fake.close()
    throw error
  }
  const bodies = generateWebhooks(2000, 0, 20_261_207)
  let next = 0

  async function post(): Promise<WebhookAnswer> {
    const webhook = bodies[next++]
    if (webhook === undefined) throw new Error('out of generated webhooks')
    return send(webhook)
  }

  async function send(webhook: (typeof bodies)[number]): Promise<WebhookAnswer & { queued: string | null }> {
    const started = performance.now()
    const response = await fetch(`${url}/webhooks/keycrm/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: webhook.body,
    })
    const body = (await response.json()) as { error?: string; status?: string }
    return {
      orderId: webhook.orderId,
      status: response.status,
      error: body.error ?? null,
      queued: body.status ?? null,
      ms: performance.now() - started,
    }
  }

  // A backlog for one chat is sent as a few combined messages: every order id in the text counts.
  function deliveryCounts(): Map<number, number> {
    const counts = new Map<number, number>()
    for (const record of fake.sent) {
      for (const match of record.plain_text.matchAll(/#(\d+)/g)) {
        const id = Number(match[1])
        counts.set(id, (counts.get(id) ?? 0) + 1)
      }
    }
    return counts
  }

  return {
    url,
    child,
    fake,
    post,
    repost(orderId) {
      const webhook = bodies.find((candidate) => candidate.orderId === orderId)
      if (webhook === undefined) throw new Error(`no generated webhook for order ${orderId}`)
      return send(webhook)
    },
    deliveryCounts,
    async postMany(count, concurrency = 10) {
      const answers: WebhookAnswer[] = []
      for (let done = 0; done < count; done += concurrency) {
        const batch = Math.min(concurrency, count - done)
        answers.push(...(await Promise.all(Array.from({ length: batch }, () => post()))))
      }
      return answers
    },
    readyz: async () => (await fetch(`${url}/readyz`)).status,
    async waitReady(status, timeoutMs) {
      const started = performance.now()
      for (;;) {
        if ((await fetch(`${url}/readyz`)).status === status) return performance.now() - started
        if (performance.now() - started > timeoutMs)
          throw new Error(`/readyz did not answer ${status} within ${timeoutMs} ms`)
        await sleep(50)
      }
    },
    logLines: () => parseLogLines(child.stdout() + child.stderr()),
    async waitDelivered(orderIds, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const delivered = deliveryCounts()
        const missing = orderIds.filter((id) => !delivered.has(id))
        if (missing.length === 0) return
        if (Date.now() > deadline)
          throw new Error(
            `${missing.length} order(s) answered 2xx were never delivered: ${missing.join(', ')}`,
          )
        await sleep(100)
      }
    },
    async stop() {
      if (child.process.exitCode === null && child.process.signalCode === null) await terminate(child)
      await fake.close()
    },
  }
}

/** Parses the server's JSON log lines (other output is ignored). */
export function parseLogLines(output: string): LogLine[] {
  const lines: LogLine[] = []
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue
    try {
      lines.push(JSON.parse(text) as LogLine)
    } catch {}
  }
  return lines
}

/** Warning and error lines, the ones an outage may flood. */
export function problemLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level === 'error' || line.level === 'warn')
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** One line for the test log: the numbers the report quotes. */
export function describeOutage(label: string, answers: readonly WebhookAnswer[], extra: string): string {
  const failed = answers.filter((answer) => answer.status !== 200)
  const slowest = Math.max(0, ...failed.map((answer) => answer.ms))
  const median = failed.map((answer) => answer.ms).sort((a, b) => a - b)[Math.floor(failed.length / 2)] ?? 0
  return `[bad-days] ${label}: ${failed.length}/${answers.length} webhooks refused during the outage, time to answer median ${median.toFixed(0)} ms, max ${slowest.toFixed(0)} ms; ${extra}`
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
