/**
 * valibot issues as problem lines: each names the environment variable or the config file field it is
 * about, e.g. `WEBHOOK_PORT must be a whole number from 0 to 65535` or
 * `keygram.config.ts: routes[2].chatId: expected a numeric chat id`.
 *
 * @module
 */
import type * as v from 'valibot'
import { closestName } from './near-miss.ts'
import { envNameOf } from './sources.ts'

/** How to name where a problem is. */
export interface ProblemLabels {
  /** The config file as messages name it, e.g. `keygram.config.ts`. */
  fileLabel: string
  /** The fields whose value came from the config file (the others are named by their variable). */
  fromFile: ReadonlySet<string>
  /** Field order: problems are listed field by field, unknown options first. */
  fields: readonly string[]
}

// Messages written as the rest of a sentence follow the name with a space; the others follow a colon.
const CONTINUES_SENTENCE = /^(?:must|is|are|needs|does) /

/** One line per issue, ordered by field (stable, so a field's own problems keep their order). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], labels: ProblemLabels): string[] {
  const rank = (issue: v.BaseIssue<unknown>) => labels.fields.indexOf(String(issue.path?.[0]?.key))
  return [...issues].sort((a, b) => rank(a) - rank(b)).map((issue) => describeIssue(issue, labels))
}

function describeIssue(issue: v.BaseIssue<unknown>, labels: ProblemLabels): string {
  const path = (issue.path ?? []).map((item) => item.key as string | number)
  if (issue.type === 'never' && path.length > 0) {
    // The rest schema of an object: the key itself is the problem; the message lists the valid ones.
    const key = String(path.at(-1)).slice(0, 40)
    return `${where(path.slice(0, -1), labels)}: ${suggestFix(`unknown option "${key}"; ${issue.message}`)}`
  }
  const separator = CONTINUES_SENTENCE.test(issue.message) ? ' ' : ': '
  return `${where(path, labels)}${separator}${suggestFix(issue.message)}`
}

// How this package and core word an unknown key.
const UNKNOWN_KEY = /^unknown option "([^"]*)"; valid options: (.+)$/s

/** `unknown option "kind" (did you mean "kinds"?); valid options: ...` when one is close. */
function suggestFix(message: string): string {
  const match = UNKNOWN_KEY.exec(message)
  if (match === null) return message
  const [, key = '', valid = ''] = match
  const near = closestName(key, valid.split(', '))
  return near === null
    ? message
    : `unknown option "${key}" (did you mean "${near}"?); valid options: ${valid}`
}

/** The variable that set the value (or would have), or the config file and the field's path in it. */
function where(path: readonly (string | number)[], labels: ProblemLabels): string {
  const [field] = path
  if (field === undefined) return labels.fileLabel
  const envName = envNameOf(String(field))
  if (envName !== undefined && !labels.fromFile.has(String(field))) return envName
  const dotted = path.map((key, index) =>
    typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`,
  )
  return `${labels.fileLabel}: ${dotted.join('')}`
}
