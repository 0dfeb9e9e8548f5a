/**
 * Routing: which chats an event is notified to.
 *
 * @module
 */
import * as v from 'valibot'
import type { FormatLocale } from '../format/index.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import type { ChatId, ChatTarget, KeyValueStore } from './types.ts'

/** The event kinds a rule can filter on. */
export const routableKinds = ['order_status', 'payment_status', 'lead_status', 'unknown'] as const

const routeLocales = ['uk', 'en', 'ru'] as const satisfies readonly FormatLocale[]

/**
 * One routing rule: send matching events to `chatId` (and topic `threadId`).
 *
 * Filters left out match everything. `kinds` narrows the event kinds. `statusIds` talks about status
 * changes (order and lead) and `paymentStatuses` about payment changes: when either is given, an event
 * matches if it is a status change whose `status_id` is listed, or a payment change whose
 * `payment_status` is listed. So `{ statusIds: [5] }` sends only moves into status 5, and
 * `{ statusIds: [5], paymentStatuses: ['paid'] }` sends those and payments marked paid.
 */
export interface RouteRule {
  /** Numeric chat id (groups negative, e.g. `-1001234567890`) or `@channelusername`. */
  chatId: ChatId | number
  /** Forum topic (`message_thread_id`). */
  threadId?: number
  kinds?: KeycrmEvent['kind'][]
  statusIds?: number[]
  paymentStatuses?: string[]
  /** Deliver silently (`disable_notification`). */
  disableNotification?: boolean
  /** Format this route's messages in this locale instead of the notifier's. */
  locale?: FormatLocale
}

/** A resolved destination with its per-route formatting overrides. */
export interface RouteTarget extends ChatTarget {
  disableNotification?: boolean
  locale?: FormatLocale
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

const routeRuleSchema = v.strictObject({
  chatId: chatIdSchema,
  threadId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  kinds: v.optional(v.array(v.picklist(routableKinds, `expected one of ${routableKinds.join(', ')}`))),
  statusIds: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  paymentStatuses: v.optional(v.array(v.pipe(v.string(), v.nonEmpty()))),
  disableNotification: v.optional(v.boolean()),
  locale: v.optional(v.picklist(routeLocales, `expected one of ${routeLocales.join(', ')}`)),
})

/** A rule after validation: `chatId` is a string. */
export type ValidRouteRule = v.InferOutput<typeof routeRuleSchema>

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

/**
 * Checks routing rules and normalises chat ids to strings.
 *
 * @throws {RouteConfigError} listing every invalid field (unknown keys included, to catch typos).
 */
export function validateRouteRules(rules: unknown): ValidRouteRule[] {
  const result = v.safeParse(v.array(routeRuleSchema), rules)
  if (result.success) return result.output
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`))
      .join('')
    return `routes${path}: ${issue.message}`
  })
  throw new RouteConfigError(problems)
}

/** Whether a validated rule takes `event`. */
export function ruleMatches(rule: ValidRouteRule, event: KeycrmEvent): boolean {
  if (rule.kinds !== undefined && !rule.kinds.includes(event.kind)) return false
  if (rule.statusIds === undefined && rule.paymentStatuses === undefined) return true
  if (rule.statusIds !== undefined && (event.kind === 'order_status' || event.kind === 'lead_status')) {
    const statusId = event.context.status_id
    if (statusId !== null && rule.statusIds.includes(statusId)) return true
  }
  if (rule.paymentStatuses !== undefined && event.kind === 'payment_status') {
    const paymentStatus = event.context.payment_status
    if (paymentStatus !== null && rule.paymentStatuses.includes(paymentStatus)) return true
  }
  return false
}

/** The targets of the rules that take `event`, in rule order. */
export function matchRouteRules(rules: readonly ValidRouteRule[], event: KeycrmEvent): RouteTarget[] {
  const targets: RouteTarget[] = []
  for (const rule of rules) {
    if (!ruleMatches(rule, event)) continue
    const target: RouteTarget = { chatId: rule.chatId }
    if (rule.threadId !== undefined) target.threadId = rule.threadId
    if (rule.disableNotification !== undefined) target.disableNotification = rule.disableNotification
    if (rule.locale !== undefined) target.locale = rule.locale
    targets.push(target)
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
