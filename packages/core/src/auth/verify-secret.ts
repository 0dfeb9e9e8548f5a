/**
 * Constant-time comparison of webhook secrets with WebCrypto.
 *
 * @module
 */

const encoder = new TextEncoder()

// One random HMAC key per process: both sides are MACed with it and the fixed-size digests compared,
// so the time taken depends on neither the content nor the length of the provided secret, and no one
// outside the process can precompute digests.
let hmacKey: Promise<CryptoKey> | undefined
// The last expected secret's digest: servers compare against one configured secret on every request.
let expectedCache: { secret: string; digest: Promise<Uint8Array> } | undefined

function key(): Promise<CryptoKey> {
  hmacKey ??= crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return hmacKey
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key(), encoder.encode(text)))
}

function expectedDigest(secret: string): Promise<Uint8Array> {
  if (expectedCache?.secret !== secret) expectedCache = { secret, digest: digest(secret) }
  return expectedCache.digest
}

/**
 * Whether `provided` equals `expected`, in constant time: both are HMACed with a random per-process
 * key and the 32-byte digests compared without an early exit, so neither a matching prefix nor a
 * length difference changes the timing.
 *
 * Missing (`null`/`undefined`) and empty provided secrets are never equal.
 *
 * @throws {TypeError} when `expected` is empty: an unset secret must not accept empty ones.
 */
export async function verifyWebhookSecret(
  expected: string,
  provided: string | null | undefined,
): Promise<boolean> {
  if (expected === '') throw new TypeError('The expected webhook secret is empty; configure a secret.')
  // The provided digest is always computed, so missing and present secrets cost the same.
  const [want, got] = await Promise.all([expectedDigest(expected), digest(provided ?? '')])
  let difference = 0
  for (let i = 0; i < want.length; i++) difference |= want[i]! ^ got[i]!
  return difference === 0 && provided !== null && provided !== undefined && provided !== ''
}
