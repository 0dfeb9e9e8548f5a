/**
 * Redaction of secrets in text bound for logs.
 *
 * @module
 */

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Secrets shorter than this are not searched for: a short string occurs by chance inside ordinary words
 * (a one-letter API key would turn "webhook" into "webhoo[redacted]"), and no real secret is that short
 * (Keygram's configuration refuses them). A short password in a URL is still hidden: see
 * {@link redactSecret}.
 */
export const MIN_REDACTED_LENGTH = 8

// The characters of a token such as an API key or a URL path segment: a secret found inside a longer run
// of them is replaced with the whole run, so no half of a word or of a longer token is left behind.
const TOKEN_CHARS = '[A-Za-z0-9_~-]*'

// The password of a URL's user part (`redis://user:password@host`), whatever its length; one already
// masked as `***` (how Keygram describes a store) stays as it is.
const URL_PASSWORD = String.raw`(?<=[a-z][a-z0-9+.-]*://[^\s:/@]*:)(?!\*+@)[^\s/@]+(?=@)`

// A Telegram bot token: the bot id, a colon, and a 35-character key (30+ to be safe). Also a token some
// library half-redacted already, keeping the id: Telegraf rewrites `/bot<id>:<key>/` in fetch errors to
// `/bot<id>:[REDACTED]/`. Either is replaced whole, id included.
const BOT_TOKEN = String.raw`\d{5,}:(?:[A-Za-z0-9_-]{30,}|\[(?:REDACTED|redacted)\])`
const WHOLE_BOT_TOKEN = new RegExp(`^${BOT_TOKEN}$`)

/**
 * Replaces with `[redacted]`:
 * - every occurrence of each secret (one string or a list) in `text`, also in its percent-encoded forms
 *   as URLs carry it; an occurrence inside a longer token (letters, digits, `_`, `~`, `-`) takes the whole
 *   token with it. Secrets shorter than {@link MIN_REDACTED_LENGTH} are ignored;
 * - anything shaped like a Telegram bot token: the whole token, bot id included, also when a library
 *   already hid the key half (`bot123456789:[REDACTED]` becomes `bot[redacted]`);
 * - the password of a URL's user part (`redis://:[redacted]@host`).
 *
 * Use it on URLs and error messages before logging them; to redact many texts with the same secrets,
 * {@link createRedactor} builds the pattern once.
 */
export function redactSecret(text: string, secrets: string | readonly string[]): string {
  return createRedactor(secrets)(text)
}

/**
 * A {@link redactSecret} for fixed secrets: the pattern is built once, so a log line pays one `replace`
 * (a fraction of a microsecond) instead of building a regular expression per line.
 */
export function createRedactor(secrets: string | readonly string[]): (text: string) => string {
  // A bot token is found by its shape, which keeps the `bot` of `/bot<token>/` outside the match; its
  // percent-encoded forms are matched exactly, for the same reason. Other secrets take their whole token.
  const exact = new Set<string>()
  const whole = new Set<string>()
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret.length < MIN_REDACTED_LENGTH) continue
    const forms = WHOLE_BOT_TOKEN.test(secret) ? exact : whole
    for (const form of encodedForms(secret)) if (!WHOLE_BOT_TOKEN.test(form)) forms.add(form)
  }
  // One pass over one alternation, longest first: a secret containing another is replaced whole, and
  // a replacement is never searched again.
  const alternatives = [BOT_TOKEN, URL_PASSWORD]
  if (whole.size > 0) alternatives.push(`${TOKEN_CHARS}(?:${longestFirst(whole)})${TOKEN_CHARS}`)
  if (exact.size > 0) alternatives.push(longestFirst(exact))
  const pattern = new RegExp(alternatives.join('|'), 'g')
  return (text) => text.replace(pattern, REDACTED)
}

/** The secret as written and as URLs carry it (percent-encoded, form-encoded, lower-case escapes). */
function encodedForms(secret: string): string[] {
  const forms = [secret]
  const encoded = tryEncode(encodeURIComponent, secret)
  if (encoded !== null) {
    forms.push(encoded, encoded.replaceAll('%20', '+'))
    forms.push(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()))
  }
  const uriEncoded = tryEncode(encodeURI, secret)
  if (uriEncoded !== null) forms.push(uriEncoded)
  return forms
}

function longestFirst(forms: ReadonlySet<string>): string {
  return [...forms]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')
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
