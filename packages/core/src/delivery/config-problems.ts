/**
 * Problem lines for rule lists people write by hand (routes, stock rules): each names its path and says
 * what is wrong in plain words, never in valibot's internal terms ("Invalid key: Expected never").
 *
 * @module
 */
import type * as v from 'valibot'

/** Whether `value` is something valibot's object schemas accept as an object. */
export function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** `where[1].kinds[0]: expected ...`, one line per issue. */
export function issueProblems(issues: readonly v.BaseIssue<unknown>[], where: string): string[] {
  return issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`))
      .join('')
    return `${where}${path}: ${plainIssueMessage(issue)}`
  })
}

/**
 * One problem per key of `input` that `known` lacks, in the order written: `where: unknown option "kind";
 * valid options: chatId, threadId, ...`.
 */
export function unknownKeyProblems(input: unknown, known: object, where: string): string[] {
  if (!isObjectLike(input)) return []
  const valid = Object.keys(known).join(', ')
  return Object.keys(input)
    .filter((key) => !Object.hasOwn(known, key))
    .map((key) => `${where}: unknown option "${key}"; valid options: ${valid}`)
}

// valibot's own wording of a failed check, used where a schema gives no message of its own.
const VALIBOT_DEFAULT = /^Invalid \w+: Expected (.+) but received (.+)$/s

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  Array: 'a list',
  Object: 'an object',
}

/** The issue's own message, or valibot's default reworded: `is required`, `expected a number, got "5"`. */
export function plainIssueMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === 'schema' && issue.input === undefined && /^"[^"]+"$/.test(issue.expected ?? ''))
    return 'is required'
  const match = VALIBOT_DEFAULT.exec(issue.message)
  if (match === null) return issue.message
  const expected = match[1]!
    .split(' | ')
    .map((name) => TYPE_NAMES[name] ?? name)
    .join(' or ')
  return `expected ${expected}, got ${match[2]}`
}
