/**
 * A synchronous constant-time check of the webhook secret for the Node hot path.
 *
 * Core's `authenticateWebhook` uses WebCrypto, which on Node costs about 60 µs per request (an async trip
 * through the thread pool). `timingSafeEqual` needs inputs of equal length, so using it on a candidate of any
 * length means hashing it first, a few µs per webhook; the loop below compares by hand instead, which is
 * what no library call does for strings of unequal length. Its time depends on the secret's length only:
 * every character of the secret is compared whatever the candidate holds, and the differences are OR-ed
 * together, never short-circuited, so neither a matching prefix nor the candidate's length shows.
 *
 * @module
 */
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
  return (request) => {
    const found = extractWebhookSecret(request, options)
    if (found === null) return { ok: false, reason: 'missing_secret' }
    return equalsInConstantTime(secret, found.secret) ? { ok: true } : { ok: false, reason: 'wrong_secret' }
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
  return (candidate) => equalsInConstantTime(secret, candidate)
}

/** Whether `candidate` equals `expected`, in a time that depends on `expected.length` alone. */
export function equalsInConstantTime(expected: string, candidate: string): boolean {
  let difference = expected.length ^ candidate.length
  for (let index = 0; index < expected.length; index++) {
    // Past the candidate's end charCodeAt gives NaN, and `NaN | 0` is 0: still one step per character.
    difference |= expected.charCodeAt(index) ^ (candidate.charCodeAt(index) | 0)
  }
  return difference === 0
}
