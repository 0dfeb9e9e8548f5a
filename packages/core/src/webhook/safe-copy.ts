/**
 * A prototype-safe, bounded copy of JSON data.
 *
 * `JSON.parse` itself never pollutes (it defines `__proto__` as an own property), but the parsed value
 * travels on: into `raw`, through spreads, merges and templating in user code. So the copy drops the
 * keys that prototype-pollution gadgets rely on (`__proto__`, `constructor`, `prototype`; KeyCRM has no
 * such columns), keeps only JSON types, and bounds nesting so that later recursive code (stringify,
 * hashing, formatting) cannot overflow the stack.
 *
 * @module
 */
import { describeReceived, KeycrmWebhookError } from './errors.ts'

/** Keys dropped from every copied object. */
export const DROPPED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** How deep data below the context may nest. KeyCRM contexts are flat; 32 levels is plenty for junk columns. */
export const MAX_CONTEXT_DEPTH = 32

/** A JSON object as the copy produces it. */
export type JsonObject = { [key: string]: JsonValue }
/** A JSON value as the copy produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject

/** Whether `value` is a plain object (made by JSON.parse, an object literal or `Object.create(null)`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Copies the plain object `value` found at `path` (e.g. `context`) into fresh plain objects and arrays,
 * dropping {@link DROPPED_KEYS} and keys whose value is `undefined` (as JSON would).
 *
 * @throws {KeycrmWebhookError} `invalid_context` naming the path of a non-JSON value (function, Date,
 * non-finite number...) or of nesting deeper than {@link MAX_CONTEXT_DEPTH}.
 */
export function copySafeObject(value: Record<string, unknown>, path: string): JsonObject {
  return copyObject(value, path, 0)
}

/**
 * Whether `value`, fresh from `JSON.parse`, is already what {@link copySafeObject} would make of it: no
 * {@link DROPPED_KEYS}, no non-finite number or `-0`, no nesting past {@link MAX_CONTEXT_DEPTH}. Checking
 * allocates nothing, so the usual clean webhook skips the copy; anything else is copied (and refused where the
 * copy refuses it).
 */
export function isSafeJsonObject(value: Record<string, unknown>): boolean {
  return isSafeObject(value, 0)
}

function isSafeObject(source: Record<string, unknown>, depth: number): boolean {
  for (const key in source) {
    if (DROPPED_KEYS.has(key) || !isSafeValue(source[key], depth + 1)) return false
  }
  return true
}

function isSafeValue(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0)
  if (depth > MAX_CONTEXT_DEPTH) return false
  if (Array.isArray(value)) {
    for (const item of value) if (!isSafeValue(item, depth + 1)) return false
    return true
  }
  return isPlainObject(value) && isSafeObject(value, depth)
}

function copyObject(source: Record<string, unknown>, path: string, depth: number): JsonObject {
  const copy: JsonObject = {}
  for (const key of Object.keys(source)) {
    if (DROPPED_KEYS.has(key)) continue
    const item = source[key]
    if (item === undefined) continue
    copy[key] = copyValue(item, path, key, depth + 1)
  }
  return copy
}

// The item's path is `parent.key`, built only for an error or a nested value: most columns are scalars,
// and a path string per column was a measurable share of parsing a webhook.
function copyValue(value: unknown, parent: string, key: string | number, depth: number): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    // JSON.parse turns 1e999 into Infinity, which a later JSON round trip would silently make null; and
    // "-0" into -0, which the round trip makes 0: normalise it now so a queued event equals the parsed one.
    if (Object.is(value, -0)) return 0
    if (Number.isFinite(value)) return value
    const path = `${parent}.${key}`
    throw invalid(path, `${path}: expected a finite number, got ${value}`)
  }
  const path = `${parent}.${key}`
  if (depth > MAX_CONTEXT_DEPTH) {
    throw invalid(path, `${path}: nested deeper than ${MAX_CONTEXT_DEPTH} levels`)
  }
  if (Array.isArray(value)) {
    const copy: JsonValue[] = new Array(value.length)
    for (let i = 0; i < value.length; i++) {
      // Holes and undefined become null, as JSON.stringify writes them.
      const item = value[i]
      copy[i] = item === undefined ? null : copyValue(item, path, i, depth + 1)
    }
    return copy
  }
  if (isPlainObject(value)) return copyObject(value, path, depth)
  throw invalid(path, `${path}: expected a JSON value, got ${describeReceived(value)}`)
}

function invalid(path: string, message: string): KeycrmWebhookError {
  return new KeycrmWebhookError('invalid_context', message, path)
}
