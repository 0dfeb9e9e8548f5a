/**
 * A tiny builder for Telegram HTML that escapes every interpolated value, so a payload value such
 * as `<b>x</b>` or `</blockquote>` always arrives as text and can never become markup.
 *
 * @module
 */
import { escapeHtml } from './escape.ts'
import { isAllowedTelegramUrl, validateTelegramHtml } from './validate.ts'

const trust = Symbol('SafeHtml')

/**
 * A fragment of Telegram HTML built by this module. Only the builder can create one, so holding a
 * `SafeHtml` means every value inside was escaped. `String(fragment)` gives the markup.
 */
export class SafeHtml {
  readonly #html: string

  /** @internal Use {@link html}, {@link text} or the tag helpers instead. */
  constructor(key: typeof trust, markup: string) {
    if (key !== trust) throw new TypeError('SafeHtml is created by the html builder only')
    this.#html = markup
  }

  /** The markup. */
  toString(): string {
    return this.#html
  }

  /** The markup (so `JSON.stringify` shows it). */
  toJSON(): string {
    return this.#html
  }
}

/**
 * Anything the builder accepts as content: `SafeHtml` is kept as markup, strings and numbers are
 * escaped, `null`/`undefined`/booleans render nothing (so `cond && b('x')` works), arrays are joined.
 */
export type HtmlContent =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlContent[]

/** @internal Wraps markup this module produced itself; not re-exported from the package. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(trust, markup)
}

function render(content: HtmlContent): string {
  if (content instanceof SafeHtml) return content.toString()
  if (content === null || content === undefined || typeof content === 'boolean') return ''
  if (typeof content === 'string') return escapeHtml(content)
  if (Array.isArray(content)) {
    let markup = ''
    for (const item of content) markup += render(item)
    return markup
  }
  // Numbers, and anything an untyped caller passes, are text.
  return escapeHtml(String(content))
}

/** Escapes plain text into a `SafeHtml` fragment. */
export function text(value: string): SafeHtml {
  return trustedHtml(escapeHtml(value))
}

/** Joins contents into one fragment, putting `separator` (escaped if a string) between them. */
export function join(items: readonly HtmlContent[], separator: HtmlContent = ''): SafeHtml {
  const sep = render(separator)
  return trustedHtml(items.map(render).join(sep))
}

const checkedLiterals = new WeakSet<TemplateStringsArray>()

/**
 * Tagged template for Telegram HTML: the literal parts are markup written by the programmer
 * (checked once per call site with {@link validateTelegramHtml}), every `${value}` is escaped
 * unless it is already a `SafeHtml`.
 *
 * @example html`<b>Order ${order.id}</b>: ${comment}` // comment is escaped
 * @throws TypeError when the literal parts are not valid Telegram HTML.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlContent[]): SafeHtml {
  if (!checkedLiterals.has(strings)) {
    // A placeholder letter stands for each value so a value inside an attribute still validates.
    const result = validateTelegramHtml(strings.join('x'))
    if (!result.ok) throw new TypeError(`html\`\`: invalid Telegram HTML in the template: ${result.error}`)
    checkedLiterals.add(strings)
  }
  let markup = strings[0]!
  for (let index = 0; index < values.length; index++) markup += render(values[index]!) + strings[index + 1]!
  return trustedHtml(markup)
}

function wrap(tag: string, content: HtmlContent): SafeHtml {
  return trustedHtml(`<${tag}>${render(content)}</${tag}>`)
}

/** Bold. */
export function b(content: HtmlContent): SafeHtml {
  return wrap('b', content)
}

/** Italic. */
export function i(content: HtmlContent): SafeHtml {
  return wrap('i', content)
}

/** Underline. */
export function u(content: HtmlContent): SafeHtml {
  return wrap('u', content)
}

/** Strikethrough. */
export function s(content: HtmlContent): SafeHtml {
  return wrap('s', content)
}

/** Spoiler (`<tg-spoiler>`). */
export function spoiler(content: HtmlContent): SafeHtml {
  return wrap('tg-spoiler', content)
}

/** Inline monospace; Telegram allows no markup inside, so it takes plain text only. */
export function code(value: string | number): SafeHtml {
  return wrap('code', String(value))
}

/** A preformatted block, optionally with a language (`<pre><code class="language-x">`). */
export function pre(value: string, language?: string): SafeHtml {
  if (language === undefined) return wrap('pre', value)
  if (!/^[\w+#.-]+$/.test(language)) throw new TypeError(`pre(): invalid language name "${language}"`)
  return trustedHtml(`<pre><code class="language-${language}">${escapeHtml(value)}</code></pre>`)
}

/**
 * A link. Telegram accepts only http(s) and tg:// URLs.
 *
 * @throws TypeError for any other URL, or when `content` already holds a link.
 */
export function a(href: string, content: HtmlContent): SafeHtml {
  if (!isAllowedTelegramUrl(href)) throw new TypeError('a(): only http(s) and tg:// URLs are allowed')
  const inner = render(content)
  if (/<a[\s>]/.test(inner)) throw new TypeError('a(): links cannot be nested')
  return trustedHtml(`<a href="${escapeHtml(href)}">${inner}</a>`)
}

/** Options of `tags.blockquote`. */
export interface BlockquoteOptions {
  /** Collapsed until tapped (`<blockquote expandable>`). */
  expandable?: boolean
}

/**
 * A quotation block.
 *
 * @throws TypeError when `content` already holds a blockquote (Telegram forbids nesting them).
 */
export function blockquote(content: HtmlContent, options: BlockquoteOptions = {}): SafeHtml {
  const inner = render(content)
  if (/<blockquote[\s>]/.test(inner)) throw new TypeError('blockquote(): blockquotes cannot be nested')
  return trustedHtml(`<blockquote${options.expandable ? ' expandable' : ''}>${inner}</blockquote>`)
}
