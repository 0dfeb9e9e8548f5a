/**
 * The lists core validates (routes, stock rules, digest schedules), as schemas whose issues carry the
 * path of each problem core reports.
 *
 * @module
 */
import {
  ActionConfigError,
  type ActionRule,
  createDigestScheduler,
  DigestConfigError,
  RouteConfigError,
  resolveActionRules,
  type StatusDictionary,
  type StockRule,
  StockRuleError,
  validateRouteRules,
  validateStockRules,
} from '@keygram/core'
import * as v from 'valibot'
import { currency, oneOf, plainObject, unknownOption } from './fields.ts'

/**
 * Turns the problems of one of core's validators (`routes[0].kinds[0]: expected ...`) into issues at
 * those paths, so they are named like every other problem.
 */
function reportCoreProblems(
  error: unknown,
  addIssue: (info: { message: string; path?: [v.IssuePathItem, ...v.IssuePathItem[]] }) => void,
): void {
  const problems =
    error instanceof RouteConfigError ||
    error instanceof StockRuleError ||
    error instanceof DigestConfigError ||
    error instanceof ActionConfigError
      ? error.problems
      : null
  if (problems === null) {
    addIssue({ message: 'are invalid' })
    return
  }
  for (const problem of problems) {
    const match = /^[A-Za-z]+((?:\[\d+\]|\.[^.[\]]+?)*): (.*)$/s.exec(problem)
    if (match === null) {
      addIssue({ message: problem })
      continue
    }
    const keys = [...(match[1] ?? '').matchAll(/\[(\d+)\]|\.([^.[\]]+)/g)].map(([, index, key]) =>
      index === undefined ? String(key) : Number(index),
    )
    const [first, ...rest] = keys.map(unknownPathItem)
    addIssue({ message: match[2] ?? problem, ...(first === undefined ? {} : { path: [first, ...rest] }) })
  }
}

/**
 * Routing rules, checked by core. `statusNames` are resolved against KeyCRM's status list only when the
 * server starts (it needs the API), so here each name is checked against a list made of the names themselves.
 */
export const routes = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return validateRouteRules(dataset.value, { statuses: selfNamedStatuses(dataset.value) })
    } catch (error) {
      reportCoreProblems(error, addIssue)
      return NEVER
    }
  }),
)

function selfNamedStatuses(rules: unknown): StatusDictionary {
  const names = (Array.isArray(rules) ? rules : []).flatMap((rule: unknown) => {
    const list = (rule as { statusNames?: unknown } | null)?.statusNames
    return Array.isArray(list) ? list.filter((name): name is string => typeof name === 'string') : []
  })
  return { order: Object.fromEntries(names.map((name, index) => [index + 1, { name }])) }
}

/**
 * Two-way action rules, checked by core and kept as written: status names are resolved with KeyCRM's status
 * list when the server starts, so here each name is checked against a list made of the names themselves.
 */
export const actions = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      resolveActionRules(dataset.value, selfNamedActionStatuses(dataset.value))
      return dataset.value as ActionRule[]
    } catch (error) {
      reportCoreProblems(error, addIssue)
      return NEVER
    }
  }),
)

function selfNamedActionStatuses(rules: unknown): StatusDictionary {
  const names = (Array.isArray(rules) ? rules : []).flatMap((rule: unknown) => {
    const { from, to } = (rule ?? {}) as { from?: { statusNames?: unknown }; to?: unknown }
    const listed = [
      ...(Array.isArray(from?.statusNames) ? from.statusNames : []),
      ...(Array.isArray(to) ? to : []),
    ]
    return listed.filter((name): name is string => typeof name === 'string')
  })
  const dictionary = Object.fromEntries(names.map((name, index) => [index + 1, { name }]))
  return { order: dictionary, lead: dictionary }
}

/** Stock alert rules, checked by core and kept as written (the server validates them again when it starts). */
export const stockRules = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      validateStockRules(dataset.value)
      return dataset.value as StockRule[]
    } catch (error) {
      reportCoreProblems(error, addIssue)
      return NEVER
    }
  }),
)

const STRING = 'must be a string'
const digestEntries = {
  chatId: v.union([v.string(), v.number()], 'must be a numeric chat id or an @channel username'),
  threadId: v.optional(v.number('must be a positive integer')),
  cron: v.optional(v.string('must be a cron pattern such as "0 9 * * *"')),
  timeZone: v.optional(v.string(STRING)),
  locale: v.optional(oneOf(['uk', 'en', 'ru'])),
  currency: v.optional(currency),
  disableNotification: v.optional(v.boolean('must be true or false')),
}
const digest = v.pipe(
  plainObject('must be an object with chatId and cron'),
  v.objectWithRest(
    digestEntries,
    unknownOption(digestEntries),
    // The message of a missing key: only `chatId` is required.
    'is required',
  ),
)

// Never touched: creating a scheduler only validates its schedules.
const VALIDATION_ONLY_STORE = {} as Parameters<typeof createDigestScheduler>[0]['store']

/** Digest schedules; the scheduler checks chat ids, cron patterns and time zones without starting. */
export const digests = v.pipe(
  v.array(digest, 'must be a list of { chatId, cron, timeZone, locale, currency }'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    try {
      createDigestScheduler({ store: VALIDATION_ONLY_STORE, schedules: dataset.value })
    } catch (error) {
      reportCoreProblems(error, addIssue)
    }
  }),
)

/** A path item for an issue added by hand. */
export function unknownPathItem(key: string | number): v.IssuePathItem {
  return { type: 'unknown', origin: 'value', input: undefined, key, value: undefined }
}
