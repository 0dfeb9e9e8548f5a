import { readFileSync } from 'node:fs'
import { KeycrmWebhookError } from '../../src/webhook/index.ts'

/** Reads a KeyCRM fixture body (text) from test/fixtures. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
}

/** The KeycrmWebhookError `run` throws; fails the test when it throws nothing or something else. */
export function webhookErrorOf(run: () => unknown): KeycrmWebhookError {
  try {
    run()
  } catch (error) {
    if (error instanceof KeycrmWebhookError) return error
    throw new Error(`expected a KeycrmWebhookError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected a KeycrmWebhookError, nothing was thrown')
}

/** The KeycrmWebhookError the promise rejects with. */
export async function asyncWebhookErrorOf(promise: Promise<unknown>): Promise<KeycrmWebhookError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof KeycrmWebhookError) return error
    throw new Error(`expected a KeycrmWebhookError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected a KeycrmWebhookError, the promise resolved')
}

/** A body `{event, context}` as JSON text. */
export function body(event: unknown, context: unknown): string {
  return JSON.stringify({ event, context })
}

/** Textbook FNV-1a 64 with BigInt, the oracle for the limb arithmetic. */
export function fnv1a64Reference(bytes: Uint8Array): string {
  let hash = 0xcbf29ce484222325n
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn
  return hash.toString(16).padStart(16, '0')
}
