/**
 * A synchronous constant-time check of the webhook secret for the Node hot path.
 *
 * Core's `authenticateWebhook` uses WebCrypto, which on Node costs about 60 µs per request (an async trip
 * through the thread pool); `node:crypto` hashes synchronously in about a microsecond. The comparison
 * stays constant-time: both sides are SHA-256 digests of 32 bytes compared with `timingSafeEqual`, so
 * neither a matching prefix nor the length of the provided secret shows in the timing.
 *
 * @module
 */
import { hash, timingSafeEqual } from 'node:crypto'
import { type ExtractWebhookSecretOptions, extractWebhookSecret } from '@keygram/core'

/** The outcome: where a matching secret was, or why there is none. */
export type SecretCheck = { ok: true } | { ok: false; reason: 'missing_secret' | 'wrong_secret' }

/**
 * Returns a checker for `secret`: it finds the secret a request carries (path segment, `?secret=`,
 * `x-keygram-secret` header, as `extractWebhookSecret` does) and compares it in constant time.
 *
 * @throws {TypeError} when `secret` is empty.
 */
export function createSecretCheck(
  secret: string,
  options: ExtractWebhookSecretOptions = {},
): (request: Request) => SecretCheck {
  if (secret === '') throw new TypeError('The webhook secret is empty; configure a secret.')
  const expected = sha256(secret)
  return (request) => {
    const found = extractWebhookSecret(request, options)
    if (found === null) return { ok: false, reason: 'missing_secret' }
    return timingSafeEqual(expected, sha256(found.secret))
      ? { ok: true }
      : { ok: false, reason: 'wrong_secret' }
  }
}

/**
 * Returns a constant-time comparison of a candidate (e.g. the URL's last path segment, already decoded)
 * with `secret`.
 *
 * @throws {TypeError} when `secret` is empty.
 */
export function createSecretMatcher(secret: string): (candidate: string) => boolean {
  if (secret === '') throw new TypeError('The webhook secret is empty; configure a secret.')
  const expected = sha256(secret)
  return (candidate) => timingSafeEqual(expected, sha256(candidate))
}

// The one-shot `hash` (Node >= 20.12) skips the Hash object `createHash` builds per call.
function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer')
}
