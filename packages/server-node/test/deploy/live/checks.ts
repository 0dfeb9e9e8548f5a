/**
 * What the live test checks and measures on a running deployment, shared by its variants.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import type { ComposeDeployment, DockerEvent } from './deployment.ts'
import { docker, run } from './docker.ts'

/** The host name the test's certificates are made for. */
export const TEST_DOMAIN = 'keygram.test'

/** An HTTPS endpoint on the host and the certificate authority to trust for it. */
export interface TlsEntrance {
  /** `https://127.0.0.1:<port>` */
  origin: string
  /** PEM of the CA (or the self-signed certificate) the entrance's certificate must chain to. */
  ca: string
}

/** A throwaway self-signed certificate for {@link TEST_DOMAIN} as nginx reads it (fullchain.pem, privkey.pem). */
export async function selfSignedCertificate(dir: string): Promise<string> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${TEST_DOMAIN}`,
    '-addext',
    `subjectAltName=DNS:${TEST_DOMAIN}`,
    '-keyout',
    join(dir, 'privkey.pem'),
    '-out',
    join(dir, 'fullchain.pem'),
  ])
  return readFileSync(join(dir, 'fullchain.pem'), 'utf8')
}

/** What an HTTPS POST answered. */
export interface PostAnswer {
  status: number
  body: string
}

/**
 * POSTs JSON through the TLS entrance as KeyCRM would: to `https://keygram.test/<path>`, connected to the
 * published port, verifying the certificate against the entrance's CA for that name.
 */
export function postJson(entrance: TlsEntrance, path: string, body: string): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, entrance.origin)
    const outgoing = request(
      target,
      {
        method: 'POST',
        ca: entrance.ca,
        servername: TEST_DOMAIN,
        headers: {
          host: TEST_DOMAIN,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        timeout: 30_000,
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
        response.on('error', reject)
      },
    )
    outgoing.on('timeout', () => outgoing.destroy(new Error(`POST ${path} timed out`)))
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** KeyCRM's stock-balance webhook for an import of `rows` offers; every tenth falls to 2 available. */
export function stockImport(
  rows: number,
): { offer_id: number; sku: string; in_stock: number; in_reserve: number }[] {
  return Array.from({ length: rows }, (_, index) => ({
    offer_id: 300_000 + index,
    sku: `compose-${index}`,
    in_stock: index % 10 === 0 ? 3 : 40,
    in_reserve: index % 10 === 0 ? 1 : 0,
  }))
}

/** Epoch ms of the first log line matching `pattern` stamped at or after `after`, from `docker logs --timestamps`. */
export function loggedAt(logs: string, pattern: RegExp, after = 0): number | null {
  for (const line of logs.split('\n')) {
    const space = line.indexOf(' ')
    if (space <= 0 || !pattern.test(line.slice(space + 1))) continue
    const at = Date.parse(line.slice(0, space))
    if (at >= after) return at
  }
  return null
}

/** The server's own "listening on" line: the HTTP server answers and, for the webhook role, the worker runs. */
export const LISTENING = /listening on/

/**
 * Time from a container's latest process start to its first "listening on" line since, in ms; Docker's clock
 * for both (it stamps the start, and each line as it receives it). Waits up to `timeoutMs` for the line.
 */
export async function msToListen(container: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { stdout } = await docker(['inspect', '--format', '{{.State.StartedAt}}', container])
    const startedAt = Date.parse(stdout.trim())
    const { stdout: out, stderr } = await docker(['logs', '--timestamps', container])
    // A restarted container's log keeps the earlier runs' lines: only this run's count (less a few ms for the
    // daemon's bookkeeping between starting the process and stamping the start).
    const at = loggedAt(`${out}\n${stderr}`, LISTENING, startedAt - 50)
    if (at !== null) return at - startedAt
    if (Date.now() > deadline)
      throw new Error(`${container} logged no "listening on" within ${timeoutMs} ms:\n${out}${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * The same measure for the least a Node container can do before it listens: a bare `node:http` server on the
 * runtime base image, the baseline Keygram's start is compared with (taken in the same run, since the
 * machine's load moves both).
 */
export async function baselineMsToListen(image: string): Promise<number> {
  const script =
    "require('node:http').createServer((q, s) => s.end()).listen(9000, () => console.log('listening on 9000'))"
  const name = `keygram-test-baseline-${process.pid}`
  await docker(['rm', '--force', name])
  await docker(['run', '--detach', '--name', name, image, 'node', '-e', script])
  try {
    return await msToListen(name)
  } finally {
    await docker(['rm', '--force', name])
  }
}

/** The middle value (the lower of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

/**
 * How long Docker gives a service before it calls it unhealthy, in ms: its start period plus `retries`
 * failed probes `interval` apart (the compose file's settings, as the test runs them).
 */
export function healthBudgetMs(deployment: ComposeDeployment, service: string): number {
  const healthcheck = deployment.compose.services[service]?.healthcheck as
    | { interval?: string; start_period?: string; retries?: number }
    | undefined
  if (!healthcheck) throw new Error(`${service} has no health check`)
  return (
    seconds(healthcheck.start_period ?? '0s') * 1000 +
    (healthcheck.retries ?? 3) * seconds(healthcheck.interval ?? '30s') * 1000
  )
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration)
  if (!match) throw new Error(`unsupported duration ${duration}`)
  const value = Number(match[1])
  return match[2] === 'ms' ? value / 1000 : match[2] === 'm' ? value * 60 : value
}

/** How one container stopped during `down`. */
export interface StopRecord {
  name: string
  /** From the first stop signal to the process's exit, in ms. */
  ms: number
  exitCode: number
  /** Signals Docker sent (15 SIGTERM, 3 SIGQUIT, 9 SIGKILL when the grace period ran out). */
  signals: string[]
}

/** Reads the `kill` and `die` events of a `down` into one {@link StopRecord} per container. */
export function stopRecords(events: DockerEvent[]): StopRecord[] {
  const byName = new Map<string, StopRecord & { firstSignalAt: number | null }>()
  for (const event of events) {
    const record = byName.get(event.name) ?? {
      name: event.name,
      ms: Number.NaN,
      exitCode: Number.NaN,
      signals: [],
      firstSignalAt: null,
    }
    byName.set(event.name, record)
    if (event.action === 'kill') {
      record.signals.push(event.attributes.signal ?? '?')
      record.firstSignalAt ??= event.at
    } else if (event.action === 'die') {
      record.exitCode = Number(event.attributes.exitCode)
      if (record.firstSignalAt !== null) record.ms = event.at - record.firstSignalAt
    }
  }
  return [...byName.values()].map(({ firstSignalAt: _, ...record }) => record)
}

/** The stop grace period of a service in ms (`stop_grace_period`, Docker's 10 s by default). */
export function gracePeriodMs(deployment: ComposeDeployment, service: string): number {
  const grace = deployment.compose.services[service]?.stop_grace_period
  return typeof grace === 'string' ? seconds(grace) * 1000 : 10_000
}
