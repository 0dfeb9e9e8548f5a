/**
 * Reading Bot API parameters from JSON, urlencoded and multipart bodies (and the query string), and coercing
 * them the way Telegram does: every argument is text on the server, so `"42"` and `42` mean the same.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { badRequest } from './bot-api-error.ts'

/** Parameters of one request, as the client sent them (form fields stay strings). */
export type Params = Record<string, unknown>

/** Read the whole body of a request. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Parse the parameters of a request from its query string and body, by content type. */
export async function parseParams(
  req: IncomingMessage,
  query: URLSearchParams,
  body: Buffer,
): Promise<Params> {
  const params: Params = Object.fromEntries(query)
  if (body.length === 0) return params
  const contentType = (req.headers['content-type'] ?? '').toLowerCase()
  if (contentType.startsWith('application/json')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      throw badRequest("can't parse JSON body")
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badRequest('JSON body must be an object')
    }
    return { ...params, ...(parsed as Params) }
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) }
  }
  if (contentType.startsWith('multipart/form-data')) {
    // Node's own fetch implementation parses multipart, so the fake needs no form-data dependency.
    const form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    })
      .formData()
      .catch(() => {
        throw badRequest("can't parse multipart/form-data body")
      })
    for (const [key, value] of form) params[key] = typeof value === 'string' ? value : `<file ${value.name}>`
    return params
  }
  return params
}

/** A text argument; numbers and booleans become text, like on the server. Empty when absent. */
export function stringArg(params: Params, name: string): string {
  const value = params[name]
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return JSON.stringify(value)
}

/** An integer argument clamped to `[min, max]`; `fallback` when absent or not a number (Telegram's get_integer_arg). */
export function intArg(
  params: Params,
  name: string,
  fallback: number,
  min = -(2 ** 53),
  max = 2 ** 53,
): number {
  const text = stringArg(params, name).trim()
  if (text === '' || !/^-?\d+$/.test(text)) return fallback
  return Math.min(max, Math.max(min, Number(text)))
}

/** A boolean argument: `true`, `"true"` and `"1"` are true (Telegram's to_bool). */
export function boolArg(params: Params, name: string): boolean {
  const text = stringArg(params, name).trim().toLowerCase()
  return text === 'true' || text === '1'
}

/** A JSON argument: objects pass through, strings are parsed. `undefined` when absent. */
export function jsonArg(params: Params, name: string, what: string): unknown {
  const value = params[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    throw badRequest(`can't parse ${what} JSON object`)
  }
}
