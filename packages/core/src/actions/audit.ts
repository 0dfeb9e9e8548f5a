/**
 * The audit of action buttons: every press (who, when, chat, order, from -> to, outcome) appended to the
 * store's event log, and read back for `keygram audit`.
 *
 * @module
 */
import type { ActionAuditEntry, EventLog, EventRecord } from '../delivery/types.ts'

/** Appends one press. `pressId` (the callback query's id) makes a redelivered press one record. */
export function recordAction(
  events: Pick<EventLog, 'append'>,
  entry: ActionAuditEntry & { id: number; pressId: string },
  at: number,
): Promise<boolean> {
  const { id, pressId, ...action } = entry
  const record: EventRecord = {
    deliveryKey: `action:${pressId}:${action.outcome}`,
    at,
    kind: 'action',
    event: `keygram.action.${action.entity}`,
    entityId: id,
    statusId: action.to,
    statusGroupId: null,
    paymentStatus: null,
    grandTotal: null,
    sourceId: null,
    managerId: null,
    createdAt: null,
    statusChangedAt: null,
    action,
  }
  return events.append(record)
}

/** A press as the audit lists it. */
export interface AuditedAction extends ActionAuditEntry {
  at: number
  id: number
}

/** The presses logged in `[fromMs, toMs)`, oldest first; with `id`, only that order's or lead's. */
export async function listActions(
  events: Pick<EventLog, 'range'>,
  options: { fromMs: number; toMs: number; id?: number },
): Promise<AuditedAction[]> {
  const records = await events.range(options.fromMs, options.toMs)
  return records.flatMap((record) =>
    record.kind === 'action' &&
    record.action !== undefined &&
    record.entityId !== null &&
    (options.id === undefined || record.entityId === options.id)
      ? [{ ...record.action, at: record.at, id: record.entityId }]
      : [],
  )
}
