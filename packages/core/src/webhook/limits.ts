/**
 * Body size limits, counted in UTF-8 bytes (what the network carries), not in characters.
 *
 * @module
 */
import { KeycrmWebhookError } from './errors.ts'

/** The default body limit: 1 MiB. KeyCRM bodies are a few kilobytes; comments can make them bigger. */
export const DEFAULT_MAX_WEBHOOK_BYTES = 1_048_576

/** Validates a `maxBytes` option (a programmer error, so a `RangeError`, not a webhook error). */
export function resolveMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return DEFAULT_MAX_WEBHOOK_BYTES
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`)
  }
  return maxBytes
}

/** The UTF-8 byte length of `text` without encoding it (lone surrogates count 3, as `TextEncoder` writes U+FFFD). */
export function utf8ByteLength(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** The error for a body over `maxBytes`. */
/** The `payload_too_large` error (HTTP 413) for a body over `maxBytes`; `detail` says how it was seen. */
export function payloadTooLarge(maxBytes: number, detail: string): KeycrmWebhookError {
  return new KeycrmWebhookError(
    'payload_too_large',
    `The webhook body is larger than the limit of ${maxBytes} bytes (${detail}).`,
  )
}

/** Throws {@link payloadTooLarge} when `text` takes more than `maxBytes` in UTF-8. */
export function assertTextWithin(text: string, maxBytes: number): void {
  // Every UTF-16 unit is at least one UTF-8 byte, so only texts near the limit need counting.
  if (text.length > maxBytes) throw payloadTooLarge(maxBytes, `at least ${text.length} bytes`)
  if (text.length * 3 > maxBytes) {
    const bytes = utf8ByteLength(text)
    if (bytes > maxBytes) throw payloadTooLarge(maxBytes, `${bytes} bytes`)
  }
}
