/**
 * Telegram message HTML (`parse_mode: 'HTML'`) to the HTML a chat bubble on this site shows: the tags
 * Telegram knows become their look-alikes, anything else is shown as text, so a message renders here the
 * way the Telegram apps render it, and nothing in it can run as markup of its own. Hand-written because
 * no library knows Telegram's subset (`tg-spoiler`, `blockquote expandable`, `tg://` links).
 *
 * @module
 */

/** A message as the Bot API takes it (the golden files in `packages/core/test/format/golden/`). */
export interface ShownMessage {
  text: string
  reply_markup?: { inline_keyboard: { text: string; url?: string }[][] }
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeText = (text: string): string => text.replace(/[&<>"]/g, (char) => escapes[char]!)

/** Text between tags: Telegram's entities stay, a stray `&`, `<` or `>` is escaped. */
function textSegment(text: string): string {
  return text
    .replace(/&(?!(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}

/** The value of `name` in a tag's attribute text, or `undefined`; `''` for a bare attribute. */
function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}(?:\\s*=\\s*"([^"]*)")?(?=\\s|$)`).exec(attributes)
  if (!match) return undefined
  return (match[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
}

const safeUrl = (url: string | undefined): url is string =>
  url !== undefined && /^(?:https?|tg):\/\/\S+$/i.test(url)

/** The opening and closing HTML of a Telegram tag, or `undefined` when Telegram would not accept it. */
function translate(name: string, attributes: string): [open: string, close: string] | undefined {
  switch (name) {
    case 'b':
    case 'strong':
      return ['<b>', '</b>']
    case 'i':
    case 'em':
      return ['<i>', '</i>']
    case 'u':
    case 'ins':
      return ['<u>', '</u>']
    case 's':
    case 'strike':
    case 'del':
      return ['<s>', '</s>']
    case 'tg-spoiler':
      return ['<span class="tg-spoiler">', '</span>']
    case 'span':
      return attribute(attributes, 'class') === 'tg-spoiler'
        ? ['<span class="tg-spoiler">', '</span>']
        : undefined
    case 'code':
      return ['<code>', '</code>']
    case 'pre':
      return ['<pre>', '</pre>']
    case 'blockquote':
      return attribute(attributes, 'expandable') === undefined
        ? ['<blockquote class="tg-quote">', '</blockquote>']
        : ['<blockquote class="tg-quote tg-expandable">', '</blockquote>']
    case 'a': {
      const href = attribute(attributes, 'href')
      if (!safeUrl(href)) return undefined
      return [`<a href="${escapeText(href)}" target="_blank" rel="noopener noreferrer">`, '</a>']
    }
    default:
      return undefined
  }
}

/**
 * The bubble HTML of a Telegram message text. Tags are matched by name with a stack, so a closing tag ends
 * what its opening tag began; an unknown or unmatched tag is shown as the text it is.
 */
export function telegramHtmlToHtml(text: string): string {
  const open: { name: string; close: string }[] = []
  let html = ''
  let last = 0
  for (const match of text.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[^<>]*?)?)\s*\/?>/g)) {
    html += textSegment(text.slice(last, match.index))
    last = match.index + match[0].length
    const [raw, slash, tagName, attributes = ''] = match
    const name = tagName!.toLowerCase()
    if (slash === '') {
      const tag = translate(name, attributes.trim())
      if (tag === undefined) html += escapeText(raw)
      else {
        html += tag[0]
        open.push({ name, close: tag[1] })
      }
    } else if (open.at(-1)?.name === name) html += open.pop()!.close
    else html += escapeText(raw)
  }
  html += textSegment(text.slice(last))
  // Whatever is left open (malformed input) is closed, so the page's own markup stays intact.
  while (open.length > 0) html += open.pop()!.close
  return html
}
