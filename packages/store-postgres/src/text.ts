/**
 * Text as PostgreSQL can keep it.
 *
 * @module
 */

/**
 * PostgreSQL `text` cannot hold U+0000, and a free-form string (an error from a transport, a summary line
 * built from a webhook) could carry one: it would make the whole write fail. Such strings are only shown,
 * never matched, so the character is replaced rather than the write refused.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text
}
