/**
 * Which buttons a card shows: configured transitions from a status (ids, names or groups) to the statuses a
 * manager may move the order or lead to, who may press them, and which ask to be confirmed first.
 *
 * @module
 */
import * as v from 'valibot'
import {
  positiveIds,
  type StatusGroupName,
  statusGroupIds,
  statusGroupSchema,
  statusIdsNamed,
  statusNamesSchema,
} from '../delivery/routes.ts'
import type { StatusDictionary } from '../format/types.ts'

/** Who may press a transition's button. */
export type ActionPresser =
  /** The configured admins (`KEYGRAM_ADMINS`). */
  | 'admins'
  /** The chat's Telegram administrators (asked with `getChatMember`, cached). */
  | 'chatAdmins'
  /** A Telegram user id. */
  | number

/** One configured transition: from these statuses, to those. */
export interface ActionRule {
  /** Orders (default) or funnel cards. */
  entity?: 'order' | 'lead'
  /** The card's current status: ids, names or (orders) groups. Left out: any status. */
  from?: { statusIds?: number[]; statusNames?: string[]; statusGroups?: (number | StatusGroupName)[] }
  /** The statuses it may move to, by id or name: one button each, labelled with the status's name. */
  to: (number | string)[]
  /** Who may press. Default `['admins']`. */
  who?: ActionPresser[]
  /** Ask "Confirm <status>?" first. Default: for targets in the canceled group. */
  confirm?: boolean
}

/** A validated rule, names resolved to ids. */
export interface ResolvedActionRule {
  entity: 'order' | 'lead'
  /** `null`: any status. */
  fromIds: ReadonlySet<number> | null
  fromGroups: ReadonlySet<number> | null
  to: readonly number[]
  who: { admins: boolean; chatAdmins: boolean; userIds: ReadonlySet<string> }
  confirm: boolean | undefined
}

/** A button a card may show: where it leads, and how. */
export interface Transition {
  toStatus: number
  confirm: boolean
  rule: ResolvedActionRule
}

/** Thrown by {@link resolveActionRules} with every problem found, each with its path. */
export class ActionConfigError extends Error {
  override readonly name = 'ActionConfigError'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`Invalid actions:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.problems = problems
  }
}

const CANCELED_GROUP = statusGroupIds.canceled
const presser = v.union(
  [v.picklist(['admins', 'chatAdmins']), v.pipe(v.number(), v.integer(), v.minValue(1))],
  'expected "admins", "chatAdmins" or a Telegram user id',
)
const ruleSchema = v.strictObject({
  entity: v.optional(v.picklist(['order', 'lead'], 'expected order or lead')),
  from: v.optional(
    v.strictObject({
      statusIds: v.optional(positiveIds),
      statusNames: v.optional(statusNamesSchema),
      statusGroups: v.optional(v.array(statusGroupSchema)),
    }),
  ),
  to: v.pipe(
    v.array(
      v.union([v.pipe(v.number(), v.integer(), v.minValue(1)), v.pipe(v.string(), v.trim(), v.nonEmpty())]),
    ),
    v.minLength(1, 'expected at least one status to move to'),
  ),
  who: v.optional(v.pipe(v.array(presser), v.minLength(1, 'expected who may press'))),
  confirm: v.optional(v.boolean()),
})

/**
 * Checks action rules and resolves status names (and the groups of targets, for the default confirmation)
 * with `statuses`.
 *
 * @throws {ActionConfigError} listing every problem with its path (`actions[1].to[0]: ...`).
 */
export function resolveActionRules(rules: unknown, statuses: StatusDictionary = {}): ResolvedActionRule[] {
  if (!Array.isArray(rules)) throw new ActionConfigError(['actions: expected a list of transitions'])
  const problems: string[] = []
  const resolved: ResolvedActionRule[] = []
  rules.forEach((input, index) => {
    const where = `actions[${index}]`
    const parsed = v.safeParse(ruleSchema, input)
    if (!parsed.success) {
      for (const issue of parsed.issues) problems.push(`${where}${pathOf(issue)}: ${issue.message}`)
      return
    }
    const rule = parsed.output
    const entity = rule.entity ?? 'order'
    const dictionary = entity === 'order' ? statuses.order : statuses.lead
    const lookUp = (name: string, at: string): number[] => {
      const found = statusIdsNamed(dictionary, name)
      if (found.length === 0)
        problems.push(
          `${where}${at}: no ${entity} status is named "${name}"${dictionary ? '' : " (names need KeyCRM's status list or format.statuses)"}`,
        )
      return found
    }
    const fromIds = [
      ...(rule.from?.statusIds ?? []),
      ...(rule.from?.statusNames ?? []).flatMap((name, i) => lookUp(name, `.from.statusNames[${i}]`)),
    ]
    if (entity === 'lead' && rule.from?.statusGroups !== undefined)
      problems.push(
        `${where}.from.statusGroups: funnel cards have no status groups; use statusIds or statusNames`,
      )
    const to = rule.to.flatMap((target, i) =>
      typeof target === 'number' ? [target] : lookUp(target, `.to[${i}]`),
    )
    const byIds = rule.from?.statusIds !== undefined || rule.from?.statusNames !== undefined
    const who = rule.who ?? ['admins']
    resolved.push({
      entity,
      fromIds: byIds ? new Set(fromIds) : null,
      fromGroups: rule.from?.statusGroups === undefined ? null : new Set(rule.from.statusGroups),
      to: [...new Set(to)],
      who: {
        admins: who.includes('admins'),
        chatAdmins: who.includes('chatAdmins'),
        userIds: new Set(who.filter((item): item is number => typeof item === 'number').map(String)),
      },
      confirm: rule.confirm,
    })
  })
  if (problems.length > 0) throw new ActionConfigError(problems)
  return resolved
}

/**
 * The buttons a card in `statusId` (of `groupId`, orders) shows: every rule's targets in rule order, each
 * status once (the first rule naming it decides who and whether to confirm), never the current status.
 */
export function transitionsFrom(
  rules: readonly ResolvedActionRule[],
  entity: 'order' | 'lead',
  statusId: number,
  groupId: number | null,
  statuses: StatusDictionary = {},
): Transition[] {
  const transitions: Transition[] = []
  for (const rule of rules) {
    if (rule.entity !== entity || !fromMatches(rule, statusId, groupId)) continue
    for (const toStatus of rule.to) {
      if (toStatus === statusId || transitions.some((transition) => transition.toStatus === toStatus))
        continue
      transitions.push({ toStatus, confirm: confirmOf(rule, entity, toStatus, statuses), rule })
    }
  }
  return transitions
}

/** The transition `fromStatus` -> `toStatus` the rules allow now, or `null` (a button of an older config). */
export function findTransition(
  rules: readonly ResolvedActionRule[],
  entity: 'order' | 'lead',
  fromStatus: number,
  toStatus: number,
  statuses: StatusDictionary = {},
): Transition | null {
  const groupId = entity === 'order' ? (statuses.order?.[fromStatus]?.groupId ?? null) : null
  return (
    transitionsFrom(rules, entity, fromStatus, groupId, statuses).find((t) => t.toStatus === toStatus) ?? null
  )
}

function fromMatches(rule: ResolvedActionRule, statusId: number, groupId: number | null): boolean {
  if (rule.fromIds === null && rule.fromGroups === null) return true
  if (rule.fromIds?.has(statusId)) return true
  return groupId !== null && (rule.fromGroups?.has(groupId) ?? false)
}

function confirmOf(
  rule: ResolvedActionRule,
  entity: 'order' | 'lead',
  toStatus: number,
  statuses: StatusDictionary,
): boolean {
  if (rule.confirm !== undefined) return rule.confirm
  return entity === 'order' && statuses.order?.[toStatus]?.groupId === CANCELED_GROUP
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? [])
    .map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`))
    .join('')
}
