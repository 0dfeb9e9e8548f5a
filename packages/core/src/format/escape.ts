/**
 * Escaping and entity decoding for Telegram HTML.
 *
 * @module
 */

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/**
 * Escapes text for Telegram HTML: `&`, `<`, `>` and `"` become `&amp; &lt; &gt; &quot;`,
 * the only named entities Telegram knows. The result is safe both as element text and inside a
 * double-quoted attribute value.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => escapes[char]!)
}

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }

/**
 * Matches every entity Telegram decodes: the four named ones and numeric ones (decimal or hex).
 * Anything else starting with `&` is not an entity.
 */
export const entityPattern: RegExp = /&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/y

/**
 * Decodes one entity string (as matched by {@link entityPattern}); `undefined` when it names no
 * valid character (unknown name, surrogate or out-of-range code point).
 */
export function decodeEntity(entity: string): string | undefined {
  const named = /^&(lt|gt|amp|quot);$/.exec(entity)
  if (named) return namedEntities[named[1]!]
  const numeric = /^&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));$/.exec(entity)
  if (!numeric) return undefined
  const codePoint = numeric[1] !== undefined ? Number(numeric[1]) : Number.parseInt(numeric[2]!, 16)
  const isSurrogate = codePoint >= 0xd800 && codePoint <= 0xdfff
  if (codePoint === 0 || codePoint > 0x10ffff || isSurrogate) return undefined
  return String.fromCodePoint(codePoint)
}
