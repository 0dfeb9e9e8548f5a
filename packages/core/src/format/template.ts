/**
 * Custom message templates: functions built on the safe builder, or strings with `{placeholders}`.
 *
 * @module
 */
import { escapeHtml } from './escape.ts'
import { SafeHtml, text, trustedHtml } from './html.ts'
import type { Template, TemplateContext } from './types.ts'
import { validateTelegramHtml } from './validate.ts'

const placeholderPattern = /\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\}/g

/** Looks a dotted path up through own properties only (a path can never reach a prototype). */
function lookup(root: unknown, path: string): unknown {
  let current = root
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function placeholderText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return ''
}

/** The object `{placeholders}` are looked up in. */
function placeholderRoot(context: TemplateContext): Record<string, unknown> {
  return {
    order: context.order ?? {},
    lead: context.lead ?? {},
    context: context.context,
    ...context.values,
  }
}

/**
 * Renders a string template: each `{path}` is replaced by its value, escaped. When the result is
 * not valid Telegram HTML (a mistake in the template's own markup), the whole rendering is sent
 * as plain text rather than failing at Telegram.
 */
export function renderStringTemplate(template: string, context: TemplateContext): SafeHtml {
  const root = placeholderRoot(context)
  const substitute = (encode: (value: string) => string) =>
    template.replace(placeholderPattern, (_match, path: string) =>
      encode(placeholderText(lookup(root, path))),
    )
  const markup = substitute(escapeHtml)
  if (validateTelegramHtml(markup).ok) return trustedHtml(markup)
  return text(substitute((value) => value))
}

/**
 * Applies a template. A function's `SafeHtml` is kept as markup; any other value it returns is
 * escaped as plain text, so only builder output can carry markup.
 */
export function applyTemplate(template: Template, context: TemplateContext): SafeHtml {
  if (typeof template === 'string') return renderStringTemplate(template, context)
  const result: unknown = template(context)
  return result instanceof SafeHtml ? result : text(String(result ?? ''))
}
