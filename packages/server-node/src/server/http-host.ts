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

/** Starts serving `app`; resolves the server and its URL once it listens. */
export async function listenApp(
  app: H3,
  options: ListenOptions,
): Promise<{ server: HttpServer; url: string }> {
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
  const boundPort = typeof address === 'object' && address !== null ? address.port : port
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return { server, url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${boundPort}` }
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
