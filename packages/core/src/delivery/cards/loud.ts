/**
 * Which changes are loud: a status that needs someone's attention gets a fresh message (with a
 * notification) that becomes the card; every other change edits the card silently.
 *
 * @module
 */
import type { KeycrmEvent } from '../../webhook/types.ts'

/** KeyCRM's status groups a card is loud for by default: new (1) and canceled (6). */
export const DEFAULT_LOUD_STATUS_GROUPS: readonly number[] = [1, 6]

/**
 * A route's loud changes. Given, it replaces the default (orders entering a new or canceled status group).
 * Any match makes the change loud.
 */
export interface LoudRule {
  /** Status ids (orders and leads). */
  statusIds?: number[]
  /** Status names, resolved with KeyCRM's status list like a rule's `statusNames`. */
  statusNames?: string[]
  /** Order status groups: ids 1-6 or names (`new`, `approval`, `production`, `delivery`, `completed`, `canceled`). */
  statusGroups?: (number | string)[]
  /** Payment statuses, e.g. `paid`. */
  paymentStatuses?: string[]
}

/** A validated {@link LoudRule}: groups as ids, names resolved to the ids they name. */
export interface ResolvedLoudRule {
  statusIds: readonly number[]
  statusGroups: readonly number[]
  paymentStatuses: readonly string[]
  /** Ids named by `statusNames`, by entity. */
  named: { order: readonly number[]; lead: readonly number[] }
}

/** The default: orders entering a new or canceled status group. */
export const defaultLoudRule: ResolvedLoudRule = {
  statusIds: [],
  statusGroups: DEFAULT_LOUD_STATUS_GROUPS,
  paymentStatuses: [],
  named: { order: [], lead: [] },
}

/** Whether `event` is loud under `rule`. */
export function isLoud(event: KeycrmEvent, rule: ResolvedLoudRule = defaultLoudRule): boolean {
  switch (event.kind) {
    case 'order_status': {
      const { status_id: statusId, status_group_id: groupId } = event.context
      if (statusId !== null && (rule.statusIds.includes(statusId) || rule.named.order.includes(statusId)))
        return true
      return groupId !== null && rule.statusGroups.includes(groupId)
    }
    case 'lead_status': {
      const statusId = event.context.status_id
      return statusId !== null && (rule.statusIds.includes(statusId) || rule.named.lead.includes(statusId))
    }
    case 'payment_status': {
      const paymentStatus = event.context.payment_status
      return paymentStatus !== null && rule.paymentStatuses.includes(paymentStatus)
    }
    default:
      return false
  }
}
