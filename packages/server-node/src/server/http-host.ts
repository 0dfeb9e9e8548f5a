/**
 * Hosting an h3 app on `node:http`: listening with Keygram's slow-client limits (and the webhook fast path
 * in front), and closing gracefully within a deadline.
 *
 * @module
 */
import type { H3 } from 'h3'
import { serve as serveH3 } from 'h3/node'
import type { FastPath } from '../http/fast-path.ts'

/** A listening h3 server. */
export type HttpServer = ReturnType<typeof serveH3>

/** Slow-client limits (see `KeygramServerOptions.httpTimeouts`). */
export interface HttpTimeouts {
  headersMs: number
  requestMs: number
  checkIntervalMs: number
}

/**
 * Default HTTP timeouts. KeyCRM posts bodies of a few kilobytes at once, so 10 s for headers and 30 s for
 * the whole request are generous, yet a stalled connection no longer waits Node's 5 minutes.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  // Node's default is 30 s, which would let a stalled request live up to twice its timeout.
  checkIntervalMs: 1_000,
}

/** What {@link listenApp} listens with. */
export interface ListenOptions {
  host: string
  port: number
  /** Named in errors, e.g. `webhook server`. */
  what: string
  /** The environment variable that moves the port, named when it is in use, e.g. `WEBHOOK_PORT`. */
  portVariable: string
  timeouts: HttpTimeouts
  /** Put in front of the app for every request (the webhook role's `node:http` fast path). */
  fastPath?: FastPath
}

/** Where a server listens. */
export interface Listening {
  /** A URL that reaches it from this machine, e.g. `http://127.0.0.1:9000` (also for `0.0.0.0`). */
  url: string
  /** The address really bound, e.g. `0.0.0.0:9000`, `[::]:9000`, `127.0.0.1:9000`. */
  bound: string
  /** Who can connect, in words: `every IPv4 interface`, `every interface`, `this machine only`, or `null`. */
  reach: string | null
}

/** Starts serving `app`; resolves the server and where it listens once it does. */
export async function listenApp(
  app: H3,
  options: ListenOptions,
): Promise<{ server: HttpServer } & Listening> {
  const { host, port, what, timeouts, fastPath } = options
  const server = serveH3(app, {
    port,
    hostname: host,
    silent: true,
    gracefulShutdown: false,
    manual: true,
    node: {
      // Node refuses a headers timeout above the request timeout.
      headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
  })
  const node = server.node
  if (fastPath !== undefined && node?.server !== undefined) {
    // Not listening yet (`manual`): put the fast path in front of srvx's handler for every request.
    const fallback = node.handler
    node.server.off('request', fallback)
    node.server.on('request', (req, res) => {
      if (!fastPath(req, res)) void fallback(req, res)
    })
  }
  try {
    await server.serve()
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new Error(
      code === 'EADDRINUSE'
        ? `${what} cannot listen on ${host}:${port}: the port is in use (set ${options.portVariable})`
        : `${what} cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  const address = server.node?.server?.address()
  const boundHost = typeof address === 'object' && address !== null ? address.address : host
  const boundPort = typeof address === 'object' && address !== null ? address.port : port
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return {
    server,
    url: `http://${bracketed(shownHost)}:${boundPort}`,
    bound: `${bracketed(boundHost)}:${boundPort}`,
    reach: reachOf(boundHost),
  }
}

/**
 * `http://127.0.0.1:9000 (bound to 0.0.0.0:9000: every IPv4 interface)`: a URL to try from this machine
 * and what is really bound, which is what decides whether a proxy or another container can connect.
 */
export function describeListening(listening: Listening): string {
  return `${listening.url} (bound to ${listening.bound}${listening.reach === null ? '' : `: ${listening.reach}`})`
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function reachOf(host: string): string | null {
  if (host === '0.0.0.0') return 'every IPv4 interface'
  if (host === '::') return 'every interface'
  if (host === '::1' || host.startsWith('127.')) return 'this machine only'
  return null
}

/** Stops accepting, lets in-flight requests finish until `deadline` (epoch ms), then cuts what is left. */
export async function closeHttpServer(server: HttpServer | null, deadline: number): Promise<void> {
  if (server === null) return
  const closing = server.close()
  const http = server.node?.server as { closeIdleConnections?: () => void } | undefined
  // Keep-alive connections go idle as their in-flight requests finish; close them as they do.
  const sweeper = setInterval(() => http?.closeIdleConnections?.(), 100)
  const timer = setTimeout(
    () => {
      // In-flight requests had their time: cut what is left so the process can exit.
      void server.close(true)
    },
    Math.max(0, deadline - Date.now()),
  )
  try {
    await closing
  } finally {
    clearInterval(sweeper)
    clearTimeout(timer)
  }
}
