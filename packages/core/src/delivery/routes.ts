/**
 * Routing: which chats an event is notified to, and how (topic, language, silence).
 *
 * @module
 */
import * as v from 'valibot'
import { isValidTimeZone, zonedParts } from '../digest/zoned-time.ts'
import { localeStrings } from '../format/locales/index.ts'
import type { FormatLocale, StatusDictionary, StatusInfo } from '../format/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { isLoud, type LoudRule, type ResolvedLoudRule } from './cards/loud.ts'
import { isObjectLike, issueProblems, unknownKeyProblems } from './config-problems.ts'
import type { ChatId, ChatTarget, KeyValueStore } from './types.ts'

/** The event kinds a rule can filter on. */
export const routableKinds = ['order_status', 'payment_status', 'lead_status', 'unknown'] as const

/** KeyCRM's fixed status groups by name, for `statusGroups`. */
export const statusGroupIds = {
  new: 1,
  approval: 2,
  production: 3,
  delivery: 4,
  completed: 5,
  canceled: 6,
} as const

/** A status group name of {@link statusGroupIds}. */
export type StatusGroupName = keyof typeof statusGroupIds

/** Days of the week for quiet hours. */
export const weekdayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const

/** A day of the week for {@link QuietHours.days}. */
export type WeekdayName = (typeof weekdayNames)[number]

const routeLocales = ['uk', 'en', 'ru'] as const satisfies readonly FormatLocale[]

/** Default time zone of quiet hours. */
export const DEFAULT_ROUTE_TIME_ZONE = 'Europe/Kyiv'

/**
 * A mute window: while it lasts, the route's messages go silently (`disable_notification`), not dropped.
 * `from` to `to` in local `HH:MM`; a window past midnight (`22:00` to `08:00`) is fine.
 */
export interface QuietHours {
  from: string
  to: string
  /** IANA time zone; default the notifier's, else `Europe/Kyiv`. */
  timeZone?: string
  /** Days the window starts on; default every day. */
  days?: WeekdayName[]
}

/** One destination of a rule. */
export interface RouteChat {
  /** Numeric chat id (groups negative, e.g. `-1001234567890`) or `@channelusername`. */
  chatId: ChatId | number
  /** Forum topic (`message_thread_id`). */
  threadId?: number
}

/**
 * One routing rule: send matching events to `chatId` (and topic `threadId`) and/or every chat of `chats`.
 *
 * Filters left out match everything; given filters must all match. `kinds` narrows the event kinds;
 * `sourceIds` and `managerIds` the order's or card's source and manager.
 *
 * `statusIds`, `statusNames` and `statusGroups` talk about status changes (order and lead; groups exist
 * for orders only) and `paymentStatuses` about payment changes: when any of them is given, an event
 * matches if it is a status change into a listed status, or a payment change to a listed payment status.
 * So `{ statusGroups: ['canceled'] }` sends only cancellations, and `{ statusIds: [5], paymentStatuses:
 * ['paid'] }` sends moves into status 5 and payments marked paid.
 */
export interface RouteRule extends Partial<RouteChat> {
  /** More destinations for the same events. */
  chats?: RouteChat[]
  kinds?: KeycrmEvent['kind'][]
  statusIds?: number[]
  /**
   * Status names (or aliases, or the localized label of a built-in status), matched case-insensitively
   * against KeyCRM's status list when the notifier starts; an unknown name is a configuration error.
   */
  statusNames?: string[]
  /** Status groups: ids 1-6 or names (`new`, `approval`, `production`, `delivery`, `completed`, `canceled`). */
  statusGroups?: (number | StatusGroupName)[]
  paymentStatuses?: string[]
  sourceIds?: number[]
  managerIds?: number[]
  /** Mute windows: inside one, messages go silently. */
  quietHours?: QuietHours | QuietHours[]
  /** Always deliver silently (`disable_notification`). */
  disableNotification?: boolean
  /** Format this route's messages in this locale instead of the notifier's. */
  locale?: FormatLocale
  /**
   * Live cards (default `true`): an order's or lead's changes edit one message per chat. `false`: one
   * message per change, as before cards.
   */
  cards?: boolean
  /**
   * The changes that send a fresh card message with a notification (the rest edit silently). Default:
   * orders entering the `new` or `canceled` status group.
   */
  loud?: LoudRule
}

/** A resolved destination with its per-route formatting overrides. */
export interface RouteTarget extends ChatTarget {
  disableNotification?: boolean
  locale?: FormatLocale
  /** `false`: one message per change instead of a live card. Default `true`. */
  cards?: boolean
  /** The change is loud (a fresh card message with a notification). Default: the default loud statuses. */
  loud?: boolean
}

/** A routing function: full control, e.g. routes kept in a database. */
export type RouteFunction = (event: KeycrmEvent) => RouteTarget[] | Promise<RouteTarget[]>

/** Routes as {@link createNotifier} takes them. */
export type Routes = RouteRule[] | RouteFunction

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
const threadIdSchema = v.pipe(v.number(), v.integer(), v.minValue(1))
/** A list of positive whole ids (status ids, source ids...). */
export const positiveIds: v.GenericSchema<number[]> = v.array(v.pipe(v.number(), v.integer(), v.minValue(1)))
const clockTime = v.pipe(
  v.string(),
  v.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM (00:00-23:59)'),
)
const timeZoneSchema = v.pipe(
  v.string(),
  v.check(
    isValidTimeZone,
    (issue) => `unknown time zone "${String(issue.input)}" (expected IANA, e.g. Europe/Kyiv)`,
  ),
)
const quietHoursEntries = {
  from: clockTime,
  to: clockTime,
  timeZone: v.optional(timeZoneSchema),
  days: v.optional(v.array(v.picklist(weekdayNames, `expected one of ${weekdayNames.join(', ')}`))),
}
// Objects here are `v.object`, not `v.strictObject`: the strict one reports only the first unknown key of an
// object, so `ruleProblems` reports them all instead.
const quietHoursSchema = v.pipe(
  v.object(quietHoursEntries),
  v.check((window) => window.from !== window.to, 'from and to are equal: the window would be empty'),
)
// One window or a list. Picked by the input's shape rather than with a union, whose single "expected Object
// or Array" issue would hide what is wrong inside the window.
const quietHoursField = v.lazy((input) =>
  Array.isArray(input)
    ? v.array(quietHoursSchema)
    : isObjectLike(input)
      ? quietHoursSchema
      : v.union([quietHoursSchema, v.array(quietHoursSchema)]),
)
const groupNames = Object.keys(statusGroupIds) as StatusGroupName[]
/** A status group as rules name it (an id 1-6 or a name), read as its id. */
export const statusGroupSchema: v.GenericSchema<number | StatusGroupName, number> = v.union(
  [
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(6)),
    v.pipe(
      v.picklist(groupNames),
      v.transform((name) => statusGroupIds[name] as number),
    ),
  ],
  `expected a status group 1-6 or one of ${groupNames.join(', ')}`,
)

const chatEntries = { chatId: chatIdSchema, threadId: v.optional(threadIdSchema) }
/** A list of status names (trimmed, not empty). */
export const statusNamesSchema: v.GenericSchema<string[]> = v.array(
  v.pipe(v.string(), v.trim(), v.nonEmpty('expected a status name')),
)
const paymentStatusesSchema = v.array(v.pipe(v.string(), v.nonEmpty()))
const loudEntries = {
  statusIds: v.optional(positiveIds),
  statusNames: v.optional(statusNamesSchema),
  statusGroups: v.optional(v.array(statusGroupSchema)),
  paymentStatuses: v.optional(paymentStatusesSchema),
}

const routeRuleEntries = {
  chatId: v.optional(chatIdSchema),
  threadId: v.optional(threadIdSchema),
  chats: v.optional(v.pipe(v.array(v.object(chatEntries)), v.minLength(1, 'expected at least one chat'))),
  kinds: v.optional(v.array(v.picklist(routableKinds, `expected one of ${routableKinds.join(', ')}`))),
  statusIds: v.optional(positiveIds),
  statusNames: v.optional(statusNamesSchema),
  statusGroups: v.optional(v.array(statusGroupSchema)),
  paymentStatuses: v.optional(paymentStatusesSchema),
  sourceIds: v.optional(positiveIds),
  managerIds: v.optional(positiveIds),
  quietHours: v.optional(quietHoursField),
  disableNotification: v.optional(v.boolean()),
  locale: v.optional(v.picklist(routeLocales, `expected one of ${routeLocales.join(', ')}`)),
  cards: v.optional(v.boolean()),
  loud: v.optional(v.object(loudEntries)),
}
// Unknown keys and the checks across fields are reported by `ruleProblems`, for every rule.
const routeRuleSchema = v.object(routeRuleEntries)

/**
 * What the schema of one rule does not see: every unknown key (of the rule, its chats and its quiet hours;
 * a typo in a key name is the likeliest mistake) and the checks across fields. Empty for a non-object rule,
 * which the schema reports.
 */
function ruleProblems(rule: unknown, where: string): string[] {
  if (!isObjectLike(rule)) return []
  const problems = unknownKeyProblems(rule, routeRuleEntries, where)
  if (Array.isArray(rule.chats)) {
    rule.chats.forEach((chat, index) => {
      problems.push(...unknownKeyProblems(chat, chatEntries, `${where}.chats[${index}]`))
    })
  }
  if (Array.isArray(rule.quietHours)) {
    rule.quietHours.forEach((window, index) => {
      problems.push(...unknownKeyProblems(window, quietHoursEntries, `${where}.quietHours[${index}]`))
    })
  } else {
    problems.push(...unknownKeyProblems(rule.quietHours, quietHoursEntries, `${where}.quietHours`))
  }
  problems.push(...unknownKeyProblems(rule.loud, loudEntries, `${where}.loud`))
  // By presence, not validity: a chatId that is given but wrong is reported as such, not as missing.
  if (rule.chatId === undefined && rule.chats === undefined)
    problems.push(`${where}: a rule needs chatId or chats`)
  if (rule.threadId !== undefined && rule.chatId === undefined)
    problems.push(`${where}: threadId needs chatId`)
  return problems
}

/**
 * A rule after validation: chat ids are strings, status groups ids, quiet hours a list with their time
 * zone filled in. It is still a {@link RouteRule}: validating it again gives the same rule.
 */
export interface ValidRouteRule extends RouteRule {
  chatId?: string
  chats?: { chatId: string; threadId?: number }[]
  statusGroups?: number[]
  quietHours?: (QuietHours & { timeZone: string })[]
  loud?: LoudRule & { statusGroups?: number[] }
}

// Status ids the `statusNames` of a validated rule resolved to, and its resolved loud rule. Kept beside the
// rule, not in it, so a validated rule stays a plain RouteRule that can be validated (or serialised) again.
const namedStatusIds = new WeakMap<ValidRouteRule, { order: number[]; lead: number[] }>()
const resolvedLoudRules = new WeakMap<ValidRouteRule, ResolvedLoudRule>()

/** Thrown by {@link validateRouteRules} with every problem found, each with its path. */
export class RouteConfigError extends Error {
  override readonly name = 'RouteConfigError'
  /** One line per problem, e.g. `routes[1].kinds[0]: expected one of ...`. */
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`Invalid routes:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.problems = problems
  }
}

/** Options of {@link validateRouteRules}. */
export interface ValidateRoutesOptions {
  /** KeyCRM's statuses (e.g. `dictionaries.statusDictionary()`); required when a rule uses `statusNames`. */
  statuses?: StatusDictionary
  /** Time zone of quiet hours without their own; default `Europe/Kyiv`. */
  timeZone?: string
}

const minuteOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))

const normalizeName = (name: string) => name.trim().toLocaleLowerCase()

/** Every name a status answers to: its name, its alias, and the labels of a built-in status in every locale. */
function namesOf(info: StatusInfo): string[] {
  const names = [info.name, info.alias ?? '']
  for (const strings of Object.values(localeStrings)) {
    for (const key of [info.name, info.alias ?? '']) {
      if (key !== '' && Object.hasOwn(strings.systemStatuses, key)) names.push(strings.systemStatuses[key]!)
    }
  }
  return names.filter((name) => name.trim() !== '').map(normalizeName)
}

/**
 * The ids of the statuses `name` names in `dictionary`: by name, alias or the localized label of a built-in
 * status, case-insensitively.
 */
export function statusIdsNamed(dictionary: Record<number, StatusInfo> | undefined, name: string): number[] {
  if (dictionary === undefined) return []
  const wanted = normalizeName(name)
  return Object.entries(dictionary)
    .filter(([, info]) => namesOf(info).includes(wanted))
    .map(([id]) => Number(id))
}

function knownNames(statuses: StatusDictionary): string {
  const names = [...Object.values(statuses.order ?? {}), ...Object.values(statuses.lead ?? {})].map(
    (info) => info.name,
  )
  const unique = [...new Set(names)]
  const shown = unique.slice(0, 25).map((name) => `"${name}"`)
  return unique.length > 25 ? `${shown.join(', ')}, ...` : shown.join(', ')
}

/**
 * The problems of a rule's `statusNames` (names without a status list, unknown names) and the ids they name.
 * `names` is `undefined` when the rule has none, or when they are malformed (the schema reports that).
 */
function resolveStatusNames(
  names: readonly string[] | undefined,
  statuses: StatusDictionary | undefined,
  where: string,
): { problems: string[]; named?: { order: number[]; lead: number[] } } {
  if (names === undefined) return { problems: [] }
  if (statuses === undefined) {
    return {
      problems: [
        `${where}.statusNames: names need KeyCRM's status list; configure the KeyCRM API key or use statusIds`,
      ],
    }
  }
  const problems: string[] = []
  const named = { order: [] as number[], lead: [] as number[] }
  names.forEach((name, nameIndex) => {
    const order = statusIdsNamed(statuses.order, name)
    const lead = statusIdsNamed(statuses.lead, name)
    if (order.length === 0 && lead.length === 0) {
      problems.push(
        `${where}.statusNames[${nameIndex}]: no KeyCRM status is named "${name}" (known: ${knownNames(statuses)})`,
      )
    }
    named.order.push(...order)
    named.lead.push(...lead)
  })
  return { problems, named }
}

/** The `statusNames` of a rule that failed its schema, if they themselves are well formed. */
function wellFormedStatusNames(rule: unknown): string[] | undefined {
  if (!isObjectLike(rule) || rule.statusNames === undefined) return undefined
  const parsed = v.safeParse(statusNamesSchema, rule.statusNames)
  return parsed.success ? parsed.output : undefined
}

/**
 * Checks routing rules, normalises chat ids to strings and status groups to ids, and resolves status
 * names against `options.statuses`.
 *
 * Every rule is checked in full, so one error lists every problem of every rule, in a stable order: by rule,
 * and within a rule its invalid fields (in field order: `chatId`, `threadId`, `chats`, `kinds`, ...), its
 * unknown keys (the rule's, then those of its chats and quiet hours, each as written), the checks across
 * fields (`chatId` or `chats`; `threadId` needs `chatId`), then its status names.
 *
 * @throws {RouteConfigError} listing every invalid field (unknown keys included, to catch typos), every
 *   unknown status name (with the known ones), and status names given without a status list; each problem
 *   names its rule and field, e.g. `routes[2].chatId: ...`.
 */
export function validateRouteRules(rules: unknown, options: ValidateRoutesOptions = {}): ValidRouteRule[] {
  const list = v.safeParse(v.array(v.unknown()), rules)
  if (!list.success) throw new RouteConfigError(issueProblems(list.issues, 'routes'))
  const problems: string[] = []
  const defaultZone = options.timeZone ?? DEFAULT_ROUTE_TIME_ZONE
  const valid: ValidRouteRule[] = []
  list.output.forEach((input, index) => {
    const where = `routes[${index}]`
    const parsed = v.safeParse(routeRuleSchema, input)
    if (!parsed.success) problems.push(...issueProblems(parsed.issues, where))
    problems.push(...ruleProblems(input, where))
    // Status names are resolved even when other fields are wrong, so their problems come in the same run.
    const names = parsed.success ? parsed.output.statusNames : wellFormedStatusNames(input)
    const resolved = resolveStatusNames(names, options.statuses, where)
    problems.push(...resolved.problems)
    const loudNames = parsed.success ? parsed.output.loud?.statusNames : undefined
    const loudResolved = resolveStatusNames(loudNames, options.statuses, `${where}.loud`)
    problems.push(...loudResolved.problems)
    if (!parsed.success) return
    const { quietHours, ...rest } = parsed.output
    const rule: ValidRouteRule = rest
    if (quietHours !== undefined) {
      rule.quietHours = (Array.isArray(quietHours) ? quietHours : [quietHours]).map((window) => ({
        ...window,
        timeZone: window.timeZone ?? defaultZone,
      }))
    }
    if (resolved.named !== undefined) namedStatusIds.set(rule, resolved.named)
    if (rule.loud !== undefined) {
      resolvedLoudRules.set(rule, {
        statusIds: rule.loud.statusIds ?? [],
        statusGroups: rule.loud.statusGroups ?? [],
        paymentStatuses: rule.loud.paymentStatuses ?? [],
        named: loudResolved.named ?? { order: [], lead: [] },
      })
    }
    valid.push(rule)
  })
  if (problems.length > 0) throw new RouteConfigError(problems)
  return valid
}

function statusMatches(rule: ValidRouteRule, event: KeycrmEvent): boolean {
  if (event.kind !== 'order_status' && event.kind !== 'lead_status') return false
  const statusId = event.context.status_id
  if (statusId !== null) {
    if (rule.statusIds?.includes(statusId)) return true
    const resolved = namedStatusIds.get(rule)
    const named = event.kind === 'order_status' ? resolved?.order : resolved?.lead
    if (named?.includes(statusId)) return true
  }
  if (rule.statusGroups !== undefined && event.kind === 'order_status') {
    const group = event.context.status_group_id
    if (group !== null && rule.statusGroups.includes(group)) return true
  }
  return false
}

function idFilterMatches(ids: number[] | undefined, value: number | null | undefined): boolean {
  return ids === undefined || (typeof value === 'number' && ids.includes(value))
}

/** Whether a validated rule takes `event`. */
export function ruleMatches(rule: ValidRouteRule, event: KeycrmEvent): boolean {
  if (rule.kinds !== undefined && !rule.kinds.includes(event.kind)) return false
  if (rule.sourceIds !== undefined || rule.managerIds !== undefined) {
    if (event.kind === 'unknown') return false
    if (!idFilterMatches(rule.sourceIds, event.context.source_id)) return false
    if (!idFilterMatches(rule.managerIds, event.context.manager_id)) return false
  }
  const byStatus =
    rule.statusIds !== undefined || rule.statusNames !== undefined || rule.statusGroups !== undefined
  const byPayment = rule.paymentStatuses !== undefined
  if (!byStatus && !byPayment) return true
  if (byStatus && statusMatches(rule, event)) return true
  if (byPayment && event.kind === 'payment_status') {
    const paymentStatus = event.context.payment_status
    if (paymentStatus !== null && rule.paymentStatuses!.includes(paymentStatus)) return true
  }
  return false
}

/**
 * Whether `now` (epoch ms) falls inside a quiet-hours window. A window past midnight belongs to the day
 * it starts: `{ from: '22:00', to: '08:00', days: ['fri'] }` covers Friday 22:00 to Saturday 08:00.
 */
export function inQuietHours(
  window: QuietHours,
  now: number,
  defaultTimeZone = DEFAULT_ROUTE_TIME_ZONE,
): boolean {
  const local = zonedParts(now, window.timeZone ?? defaultTimeZone)
  const minute = local.hour * 60 + local.minute
  const from = minuteOf(window.from)
  const to = minuteOf(window.to)
  const dayAllowed = (weekday: number) =>
    window.days === undefined || window.days.includes(weekdayNames[weekday] as WeekdayName)
  if (from < to) return minute >= from && minute < to && dayAllowed(local.weekday)
  if (minute >= from) return dayAllowed(local.weekday)
  if (minute < to) return dayAllowed((local.weekday + 6) % 7)
  return false
}

/**
 * The targets of the rules that take `event`, in rule order. A rule inside one of its quiet-hours windows
 * at `now` (epoch ms, default the current time) delivers silently.
 */
export function matchRouteRules(
  rules: readonly ValidRouteRule[],
  event: KeycrmEvent,
  now: number = Date.now(),
): RouteTarget[] {
  const targets: RouteTarget[] = []
  for (const rule of rules) {
    if (!ruleMatches(rule, event)) continue
    const quiet = rule.quietHours?.some((window) => inQuietHours(window, now)) ?? false
    const destinations: RouteChat[] = []
    if (rule.chatId !== undefined)
      destinations.push({
        chatId: rule.chatId,
        ...(rule.threadId === undefined ? {} : { threadId: rule.threadId }),
      })
    if (rule.chats !== undefined) destinations.push(...rule.chats)
    for (const destination of destinations) {
      const target: RouteTarget = { chatId: String(destination.chatId) }
      if (destination.threadId !== undefined) target.threadId = destination.threadId
      if (quiet) target.disableNotification = true
      else if (rule.disableNotification !== undefined) target.disableNotification = rule.disableNotification
      if (rule.locale !== undefined) target.locale = rule.locale
      if (rule.cards === false) target.cards = false
      const loud = resolvedLoudRules.get(rule)
      if (loud !== undefined) target.loud = isLoud(event, loud)
      targets.push(target)
    }
  }
  return targets
}

/** The key-value key that remembers where a chat moved (group upgraded to supergroup). */
export function chatMigrationKey(chatId: ChatId): string {
  return `chat-migration:${chatId}`
}

// Chains (a group upgraded, then that id migrated again) are followed; the bound stops a cycle.
const MAX_MIGRATION_HOPS = 8

/** The chat id `chatId` now lives at, following remembered migrations. */
export async function resolveChatMigration(kv: KeyValueStore, chatId: ChatId): Promise<ChatId> {
  let current = chatId
  for (let hop = 0; hop < MAX_MIGRATION_HOPS; hop++) {
    const next = await kv.get<string>(chatMigrationKey(current))
    if (typeof next !== 'string' || next === '' || next === current) return current
    current = next
  }
  return current
}

/**
 * Applies remembered migrations and drops repeated destinations (same chat and topic; the first
 * occurrence, with its overrides, wins), keeping order.
 */
export async function finalizeTargets(
  kv: KeyValueStore,
  targets: readonly RouteTarget[],
): Promise<RouteTarget[]> {
  const seen = new Set<string>()
  const result: RouteTarget[] = []
  const migrated = new Map<ChatId, ChatId>()
  for (const target of targets) {
    let chatId = migrated.get(target.chatId)
    if (chatId === undefined) {
      chatId = await resolveChatMigration(kv, String(target.chatId))
      migrated.set(target.chatId, chatId)
    }
    const key = `${chatId}\u0000${target.threadId ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    result.push({ ...target, chatId })
  }
  return result
}
