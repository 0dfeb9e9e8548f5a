/**
 * A typed wrapper over autocannon (which ships no types) for the ingest bench: distinct POST bodies, one
 * run, the numbers the bench reports.
 *
 * @module
 */
import { createRequire } from 'node:module'

interface AutocannonHistogram {
  average: number
  p50: number
  p99: number
}

interface AutocannonResult {
  requests: AutocannonHistogram & { sent: number }
  latency: AutocannonHistogram
  duration: number
  errors: number
  timeouts: number
  non2xx: number
  '2xx': number
  statusCodeStats: Record<string, { count: number }>
}

interface AutocannonRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

interface AutocannonOptions {
  url: string
  connections: number
  duration: number
  requests: { setupRequest: (request: AutocannonRequest) => AutocannonRequest }[]
}

type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

/** Options of {@link runLoad}. */
export interface LoadRunOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:9000`. */
  url: string
  path: string
  connections: number
  durationSeconds: number
  /** The body of request number `index`; every request of the run gets the next index. */
  body: (index: number) => string
  /** The first index (so a measured run does not repeat the warm-up's bodies). */
  firstIndex: number
}

/** What one load run measured. */
export interface LoadRunResult {
  /** 2xx answers per second over the run. */
  rps: number
  p50Ms: number
  p99Ms: number
  /** Requests answered with a 2xx. */
  ok: number
  /** Answers other than 2xx, by status. */
  failures: Record<string, number>
  /** Connection errors and timeouts. */
  errors: number
  /** The next unused body index. */
  nextIndex: number
}

/** Posts distinct JSON bodies at `url + path` from `connections` keep-alive connections for the duration. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  let index = options.firstIndex
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          method: 'POST',
          path: options.path,
          headers: { 'content-type': 'application/json' },
          body: options.body(index++),
        }),
      },
    ],
  })
  const failures: Record<string, number> = {}
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    if (!status.startsWith('2')) failures[status] = Number(count)
  }
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    failures,
    errors: result.errors + result.timeouts,
    nextIndex: index,
  }
}
