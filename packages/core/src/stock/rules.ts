/**
 * Stock alert rules: validation, defaults and SKU matching.
 *
 * @module
 */
import * as v from 'valibot'
import { isObjectLike, issueProblems, unknownKeyProblems } from '../delivery/config-problems.ts'
import type { FormatLocale } from '../format/types.ts'
import type { ValidStockRule } from './types.ts'

/** Thrown for invalid stock rules; lists every problem. */
export class StockRuleError extends Error {
  override readonly name = 'StockRuleError'
  /** One line per problem, e.g. `stockRules[0].low: expected a number >= 0`. */
  readonly problems: string[]

  /** Builds the error from its problem lines. */
  constructor(problems: string[]) {
    super(`Invalid stock alert rules:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.problems = problems
  }
}

/** The hysteresis a rule gets when it sets none: 20% of `low`, at least 1 unit. */
export function defaultHysteresis(low: number): number {
  return Math.max(1, Math.round(low * 0.2 * 1000) / 1000)
}

const locales = ['uk', 'en', 'ru'] as const satisfies readonly FormatLocale[]

const chatIdSchema = v.union(
  [
    v.pipe(v.number(), v.integer(), v.notValue(0), v.transform(String)),
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^(?:-?[1-9]\d{0,18}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, 'expected a numeric chat id or @username'),
    ),
  ],
  'expected a numeric chat id (e.g. -1001234567890) or an @username',
)

const finite = (what: string) => v.pipe(v.number(), v.finite(), v.minValue(0, `expected ${what} >= 0`))

const chatEntries = {
  chatId: chatIdSchema,
  threadId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
}

// `v.object`, not `v.strictObject`: the strict one reports only the first unknown key of an object, so
// `unknownKeysOf` reports them all, each with the valid options.
const ruleEntries = {
  skus: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.trim(), v.nonEmpty('expected a non-empty SKU or pattern'))),
      v.nonEmpty('expected at least one SKU or pattern; leave `skus` out to cover every offer'),
    ),
  ),
  low: finite('a number'),
  hysteresis: v.optional(finite('a number')),
  backInStock: v.optional(v.boolean()),
  chats: v.pipe(v.array(v.object(chatEntries)), v.nonEmpty('expected at least one chat')),
  locale: v.optional(v.picklist(locales, `expected one of ${locales.join(', ')}`)),
  disableNotification: v.optional(v.boolean()),
}
const ruleSchema = v.object(ruleEntries)

// Each rule's problems together, in rule order (a stable sort keeps their own order).
const ruleIndex = (problem: string) => Number(/^stockRules\[(\d+)\]/.exec(problem)?.[1] ?? -1)
const byRule = (left: string, right: string) => ruleIndex(left) - ruleIndex(right)

/** The unknown keys of each rule and of its chats. */
function unknownKeysOf(rules: unknown): string[] {
  if (!Array.isArray(rules)) return []
  return rules.flatMap((rule: unknown, index) => {
    const where = `stockRules[${index}]`
    const chats = isObjectLike(rule) && Array.isArray(rule.chats) ? rule.chats : []
    return [
      ...unknownKeyProblems(rule, ruleEntries, where),
      ...chats.flatMap((chat: unknown, at) => unknownKeyProblems(chat, chatEntries, `${where}.chats[${at}]`)),
    ]
  })
}

/**
 * A matcher for SKUs and SKU globs (`*` any run, `?` one character), case-insensitive. Exact SKUs are
 * looked up in a set; patterns are compiled into one regular expression.
 */
export function skuMatcher(patterns: readonly string[]): (sku: string | null) => boolean {
  const exact = new Set<string>()
  const globs: string[] = []
  for (const pattern of patterns) {
    if (/[*?]/.test(pattern)) globs.push(pattern)
    else exact.add(pattern.toLowerCase())
  }
  const regex =
    globs.length === 0
      ? null
      : new RegExp(
          `^(?:${globs
            .map((glob) =>
              glob
                .split('')
                .map((char) =>
                  char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}/-]/g, '\\$&'),
                )
                .join(''),
            )
            .join('|')})$`,
          'is',
        )
  return (sku) => {
    if (sku === null) return false
    const lower = sku.toLowerCase()
    return exact.has(lower) || regex?.test(sku) === true
  }
}

/**
 * Validates stock rules and applies defaults (`hysteresis`, `backInStock: true`, chat ids as strings).
 *
 * @throws {StockRuleError} listing every invalid field (unknown keys too, to catch typos).
 */
export function validateStockRules(rules: unknown): ValidStockRule[] {
  const result = v.safeParse(v.array(ruleSchema), rules)
  const problems = [
    ...(result.success ? [] : issueProblems(result.issues, 'stockRules')),
    ...unknownKeysOf(rules),
  ]
  if (problems.length > 0 || !result.success) throw new StockRuleError(problems.sort(byRule))
  return result.output.map((rule) => {
    const hysteresis = rule.hysteresis ?? defaultHysteresis(rule.low)
    const patterns = rule.skus
    const match = patterns === undefined ? () => true : skuMatcher(patterns)
    const valid: ValidStockRule = {
      low: rule.low,
      hysteresis,
      backInStock: rule.backInStock ?? true,
      chats: rule.chats.map((chat) =>
        chat.threadId === undefined
          ? { chatId: chat.chatId }
          : { chatId: chat.chatId, threadId: chat.threadId },
      ),
      matches: match,
      band: `${rule.low}/${hysteresis}`,
    }
    if (rule.locale !== undefined) valid.locale = rule.locale
    if (rule.disableNotification !== undefined) valid.disableNotification = rule.disableNotification
    return valid
  })
}
