import { describe, expect, it } from 'vitest'
import {
  applyCardChange,
  CARD_APPLIED_JOB_LIMIT,
  CARD_STEP_LIMIT,
  type CardRecord,
  cardEntityOf,
  cardKey,
} from '../../../src/delivery/cards/record.ts'

const webhook = (statusId: number, changedAt: string | null, extra: Record<string, unknown> = {}) => ({
  event: 'order.change_order_status',
  context: { id: 5, status_id: statusId, status_changed_at: changedAt, updated_at: changedAt, ...extra },
})
const at = (text: string) => Date.parse(text)

function apply(...changes: Parameters<typeof applyCardChange>[1][]): CardRecord {
  return changes.reduce<CardRecord | null>((record, change) => applyCardChange(record, change, 0), null)!
}

describe('card records', () => {
  it('orders steps by time whatever the arrival order, and keeps the newest webhook as what is shown', () => {
    const record = apply(
      { webhook: webhook(1, '2026-12-07 10:00:00') },
      { webhook: webhook(4, '2026-12-07T10:30:00.000000Z', { grand_total: 900 }) },
      { webhook: webhook(2, '2026-12-07 10:10:00', { grand_total: 100 }) },
    )
    expect(record.steps).toEqual([
      { statusId: 1, at: at('2026-12-07T10:00:00Z') },
      { statusId: 2, at: at('2026-12-07T10:10:00Z') },
      { statusId: 4, at: at('2026-12-07T10:30:00Z') },
    ])
    expect(record.latest.context).toMatchObject({ status_id: 4, grand_total: 900 })
    expect(record.latestAt).toBe(at('2026-12-07T10:30:00Z'))
  })

  it('orders by status_changed_at when a webhook has no updated_at, whenever it is processed', () => {
    const changedOnly = (statusId: number, changedAt: string) => ({
      event: 'order.change_order_status',
      context: { id: 5, status_id: statusId, status_changed_at: changedAt },
    })
    // Processed long after both changes (as a retry after an outage is): the later change still wins.
    const processedAt = at('2027-01-01T00:00:00Z')
    const record = [
      { webhook: changedOnly(3, '2026-12-07 10:30:00') },
      { webhook: changedOnly(2, '2026-12-07 10:10:00') },
    ].reduce<CardRecord | null>((card, change) => applyCardChange(card, change, processedAt), null)!
    expect(record.latest.context).toMatchObject({ status_id: 3 })
    expect(record.latestAt).toBe(at('2026-12-07T10:30:00Z'))
  })

  it('a webhook into the status the order was already in adds no step', () => {
    const record = apply(
      { webhook: webhook(1, '2026-12-07 10:00:00') },
      { webhook: webhook(1, '2026-12-07 10:05:00') },
      { webhook: webhook(2, '2026-12-07 10:10:00') },
      { webhook: webhook(2, '2026-12-07 10:10:00') },
    )
    expect(record.steps.map((step) => step.statusId)).toEqual([1, 2])
    expect(record.steps[0]?.at).toBe(at('2026-12-07T10:00:00Z'))
  })

  it('keeps the last steps and applied jobs within their limits', () => {
    const changes = Array.from({ length: CARD_APPLIED_JOB_LIMIT + 5 }, (_, index) => ({
      webhook: webhook(index + 1, new Date(at('2026-12-07T00:00:00Z') + index * 60_000).toISOString()),
      jobId: `job-${index}`,
    }))
    const record = apply(...changes)
    expect(record.steps).toHaveLength(CARD_STEP_LIMIT)
    expect(record.steps.at(-1)?.statusId).toBe(CARD_APPLIED_JOB_LIMIT + 5)
    expect(record.appliedJobs).toHaveLength(CARD_APPLIED_JOB_LIMIT)
    expect(record.appliedJobs.at(-1)).toBe(`job-${CARD_APPLIED_JOB_LIMIT + 4}`)
    expect(record.appliedJobs).not.toContain('job-0')
  })

  it('sets the message, its time, its hash and who changed it only when a change says so', () => {
    const sent = apply({ webhook: webhook(1, null), messageId: 10, sentAt: 5, shownHash: 'abc' })
    const merged = applyCardChange(sent, { webhook: webhook(2, '2026-12-07 10:00:00') }, 0)
    expect(merged).toMatchObject({ messageId: 10, sentAt: 5, shownHash: 'abc' })
    const gone = applyCardChange(merged, { messageId: null, changedBy: { name: 'Olha', at: 7 } }, 0)
    expect(gone).toMatchObject({ messageId: null, changedBy: { name: 'Olha', at: 7 } })
    expect(() => applyCardChange(null, { messageId: 1 }, 0)).toThrow(/needs a webhook/)
  })

  it('names the entity of order, payment and lead webhooks, and none for others', () => {
    expect(cardEntityOf({ event: 'order.change_payment_status', context: { id: '77' } })).toEqual({
      entity: 'order',
      id: 77,
    })
    expect(cardEntityOf({ event: 'lead.change_lead_status', context: { id: 3 } })).toEqual({
      entity: 'lead',
      id: 3,
    })
    expect(cardEntityOf({ event: 'order.created', context: { id: 3 } })).toBeNull()
    expect(cardEntityOf({ event: 'order.change_order_status', context: { id: 0 } })).toBeNull()
    expect(cardKey({ chatId: '-100', threadId: 4 }, { entity: 'lead', id: 3 })).toBe('card:-100:4:lead:3')
  })
})
