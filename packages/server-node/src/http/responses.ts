/**
 * Small response helpers shared by the apps.
 *
 * @module
 */
import type { KeygramMetrics } from '../metrics/index.ts'
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/index.ts'

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

/** A response as plain data, so the `node:http` fast path can write it without a web `Response`. */
export interface JsonReply {
  status: number
  /** JSON text. */
  body: string
  headers: Readonly<Record<string, string>>
}

/** A JSON reply (see {@link json} for the web `Response`). */
export function jsonReply(status: number, body: unknown, headers?: Record<string, string>): JsonReply {
  return {
    status,
    body: JSON.stringify(body),
    headers: headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...headers },
  }
}

/** The web `Response` of a {@link JsonReply}. */
export function replyResponse(reply: JsonReply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers })
}

/** A JSON response. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return replyResponse(jsonReply(status, body, headers))
}

/** The JSON error body every app answers with: `{ error, message, path }`. */
export function jsonError(
  status: number,
  error: string,
  message: string,
  path: string | null = null,
  headers?: Record<string, string>,
): Response {
  return json(status, { error, message, path }, headers)
}

/** The Prometheus scrape response. */
export async function metricsResponse(metrics: KeygramMetrics): Promise<Response> {
  return new Response(await metrics.render(), {
    status: 200,
    headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' },
  })
}
