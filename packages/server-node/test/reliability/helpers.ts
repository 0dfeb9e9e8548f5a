/**
 * Shared parts of the reliability suites: a `keygram serve` child with a config file in a temp folder,
 * raw HTTP requests (bytes, slow writes), resident memory, and a seeded generator.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram } from '../helpers/child.ts'

/** The webhook secret every reliability child uses. */
export const SECRET = 'reliability-webhook-secret-0123456789'

/** Matches the "... server listening on http://127.0.0.1:PORT" log line; group 1 is the URL. */
export const LISTENING = (what: 'webhook' | 'bot') =>
  new RegExp(`${what} server listening on (http://127\\.0\\.0\\.1:\\d+)`)

/** A running `keygram serve` child in its own temp folder. */
export interface ServeChild {
  child: KeygramChild
  dir: string
  /** The webhook server's base URL (when the role runs it). */
  webhookUrl: string | null
  /** The bot server's base URL (when the role runs it). */
  botUrl: string | null
  /** Everything the process printed so far. */
  output(): string
  /** Kills the process if it still runs and removes the folder. */
  cleanup(): Promise<void>
}

/**
 * Starts `keygram serve --role <role>` on random ports in a fresh temp folder with a SQLite store there,
 * JSON logs at debug level, and `config` written as `keygram.config.json` when given.
 */
export async function startServe(options: {
  role: 'webhook' | 'bot' | 'all'
  env: Record<string, string>
  config?: Record<string, unknown>
}): Promise<ServeChild> {
  const dir = await mkdtemp(join(tmpdir(), 'keygram-reliability-'))
  if (options.config !== undefined) {
    await writeFile(join(dir, 'keygram.config.json'), JSON.stringify(options.config))
  }
  const child = startKeygram(
    ['serve', '--role', options.role],
    localServeEnv({
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
      ...options.env,
    }),
    dir,
  )
  const cleanup = async () => {
    killIfRunning(child)
    await child.exited
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const webhookUrl =
      options.role === 'bot' ? null : ((await child.waitFor(LISTENING('webhook'), 60_000))[1] ?? null)
    const botUrl =
      options.role === 'webhook' ? null : ((await child.waitFor(LISTENING('bot'), 60_000))[1] ?? null)
    return { child, dir, webhookUrl, botUrl, output: () => child.stdout() + child.stderr(), cleanup }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** The resident set size of `pid` in MiB, from `VmRSS` in `/proc/<pid>/status` (Linux). */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) / 1024
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** An HTTP answer read in full. */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * One request with an exact body (any bytes, any headers) over a fresh connection; no `fetch` rewriting.
 * Rejects on a connection error, so a crash or reset shows as a failure.
 */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<RawResponse> {
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body
  // Always a content-length: Node's client sends a DELETE or OPTIONS body unframed otherwise.
  const headers =
    body === undefined ? init.headers : { 'content-length': String(body.byteLength), ...init.headers }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A small seeded generator (mulberry32), so a generated load replays exactly. */
export { seededRandom } from '../fault/webhooks.ts'

/**
 * Every order id (`#12345`) at or above `firstOrderId` a sent message mentions (a coalesced summary mentions
 * several). The bound skips the other `#` numbers, such as an unnamed status shown as `#201`.
 */
export function orderIdsOfText(plainText: string, firstOrderId: number): number[] {
  return [...plainText.matchAll(/#(\d+)/g)]
    .map((match) => Number(match[1]))
    .filter((id) => id >= firstOrderId)
}
