/**
 * A checker for the HTML subset Telegram's `parse_mode: 'HTML'` accepts.
 *
 * @module
 */
import { type HtmlAttribute, type OpenTagToken, tokenizeHtml } from './tokens.ts'

/** The outcome of {@link validateTelegramHtml}. */
export type HtmlValidationResult = { ok: true } | { ok: false; error: string }

/** Tags that take no attributes at all. */
const plainTags = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'tg-spoiler'])

/** Tags Telegram accepts in HTML mode (this library does not use `tg-emoji`/`tg-time`). */
export const allowedTelegramTags: ReadonlySet<string> = new Set([
  ...plainTags,
  'span',
  'a',
  'code',
  'pre',
  'blockquote',
])

/** The URL schemes an `<a href>` (and a URL button) may use. */
export function isAllowedTelegramUrl(url: string): boolean {
  return /^(?:https?:\/\/[^\s]+|tg:\/\/[^\s]+)$/i.test(url)
}

function attributeError(tag: OpenTagToken, attribute: HtmlAttribute): string {
  return `attribute "${attribute[0]}" is not allowed on <${tag.name}>`
}

/** Checks the attributes of one allowed opening tag; returns an error message or `undefined`. */
function checkAttributes(tag: OpenTagToken): string | undefined {
  const { name, attributes } = tag
  const names = attributes.map(([attributeName]) => attributeName)
  if (new Set(names).size !== names.length) return `duplicate attribute on <${name}>`
  for (const attribute of attributes) {
    const [attributeName, value] = attribute
    if (name === 'a' && attributeName === 'href') {
      if (value === null || !isAllowedTelegramUrl(value)) return 'an <a href> must be an http(s) or tg:// URL'
    } else if (name === 'span' && attributeName === 'class') {
      if (value !== 'tg-spoiler') return '<span> needs class="tg-spoiler"'
    } else if ((name === 'code' || name === 'pre') && attributeName === 'class') {
      if (value === null || !/^language-[\w+#.-]+$/.test(value)) return `<${name} class> must be "language-…"`
    } else if (name === 'blockquote' && attributeName === 'expandable') {
      if (value !== null && value !== '' && value !== 'expandable')
        return '<blockquote expandable> takes no value'
    } else {
      return attributeError(tag, attribute)
    }
  }
  if (name === 'a' && !names.includes('href')) return '<a> needs an href'
  if (name === 'span' && !names.includes('class')) return '<span> needs class="tg-spoiler"'
  return undefined
}

/** Nesting rules Telegram enforces beyond balance; returns an error message or `undefined`. */
function checkNesting(tag: OpenTagToken, stack: readonly OpenTagToken[]): string | undefined {
  const parent = stack.at(-1)
  const insideVerbatim = stack.some((open) => open.name === 'code' || open.name === 'pre')
  const codeInPre = tag.name === 'code' && parent?.name === 'pre'
  if (insideVerbatim && !codeInPre) return `<${tag.name}> cannot be inside <code> or <pre>`
  if (tag.name === 'blockquote' && stack.some((open) => open.name === 'blockquote')) {
    return '<blockquote> cannot be nested'
  }
  if (tag.name === 'a' && stack.some((open) => open.name === 'a')) return '<a> cannot be nested'
  return undefined
}

/**
 * Checks that `html` is markup Telegram accepts in HTML mode: only the allowed tags and attributes
 * (`a href` with an http(s)/tg:// URL, `span class="tg-spoiler"`, `pre`/`code class="language-x"`,
 * `blockquote expandable`), properly nested and closed, and no raw `<`, `>` or `&` outside tags
 * and entities (named entities are only `&lt; &gt; &amp; &quot;`; numeric ones are fine).
 */
export function validateTelegramHtml(html: string): HtmlValidationResult {
  const stack: OpenTagToken[] = []
  let offset = 0
  for (const token of tokenizeHtml(html)) {
    const at = offset
    offset += token.raw.length
    if (token.type === 'char') {
      if (token.bare) return { ok: false, error: `unescaped "${token.raw}" at offset ${at}` }
      continue
    }
    if (!allowedTelegramTags.has(token.name)) {
      return { ok: false, error: `unsupported tag <${token.name}> at offset ${at}` }
    }
    if (token.type === 'open') {
      const error = checkAttributes(token) ?? checkNesting(token, stack)
      if (error) return { ok: false, error: `${error} (offset ${at})` }
      stack.push(token)
      continue
    }
    const open = stack.pop()
    if (!open) return { ok: false, error: `unexpected </${token.name}> at offset ${at}` }
    if (open.name !== token.name) {
      return { ok: false, error: `</${token.name}> at offset ${at} closes <${open.name}>` }
    }
  }
  const unclosed = stack.at(-1)
  if (unclosed) return { ok: false, error: `unclosed <${unclosed.name}>` }
  return { ok: true }
}
