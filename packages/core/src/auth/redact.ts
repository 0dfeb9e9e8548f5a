/**
 * Redaction of secrets in text bound for logs.
 *
 * @module
 */

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]'

// A Telegram bot token: the bot id, a colon, and a 35-character key (30+ to be safe). Also a token some
// library half-redacted already, keeping the id: Telegraf rewrites `/bot<id>:<key>/` in fetch errors to
// `/bot<id>:[REDACTED]/`. Either is replaced whole, id included.
const BOT_TOKEN = String.raw`\d{5,}:(?:[A-Za-z0-9_-]{30,}|\[(?:REDACTED|redacted)\])`

/**
 * Replaces every occurrence of each secret (one string or a list) in `text`, also in its
 * percent-encoded forms as URLs carry it, and anything shaped like a Telegram bot token by
 * `[redacted]`: the whole token, bot id included, also when a library already hid the key half
 * (`bot123456789:[REDACTED]` becomes `bot[redacted]`). Empty secrets are ignored. Use it on URLs and
 * error messages before logging them; to redact many texts with the same secrets, {@link createRedactor}
 * builds the pattern once.
 */
export function redactSecret(text: string, secrets: string | readonly string[]): string {
  return createRedactor(secrets)(text)
}

/**
 * A {@link redactSecret} for fixed secrets: the pattern is built once, so a log line pays one `replace`
 * (a fraction of a microsecond) instead of building a regular expression per line.
 */
export function createRedactor(secrets: string | readonly string[]): (text: string) => string {
  const variants = new Set<string>()
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret === '') continue
    variants.add(secret)
    const encoded = tryEncode(encodeURIComponent, secret)
    if (encoded !== null) {
      variants.add(encoded)
      variants.add(encoded.replaceAll('%20', '+')) // form/query encoding
      variants.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())) // lower-case escapes
    }
    const uriEncoded = tryEncode(encodeURI, secret)
    if (uriEncoded !== null) variants.add(uriEncoded)
  }
  // One pass over one alternation, longest first: a secret containing another is replaced whole, and
  // a replacement is never searched again (a short secret could match inside "[redacted]").
  const alternatives = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp)
  alternatives.push(BOT_TOKEN)
  const pattern = new RegExp(alternatives.join('|'), 'g')
  return (text) => text.replace(pattern, REDACTED)
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/** Percent-encodes, or `null` for strings with lone surrogates (which URLs cannot carry anyway). */
function tryEncode(encode: (text: string) => string, text: string): string | null {
  try {
    return encode(text)
  } catch {
    return null
  }
}
