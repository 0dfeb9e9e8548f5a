/**
 * Golden messages: the docs' sample order (the production webhook `keygram send-test` and the guides use)
 * as a live card in uk/en/ru, with and without enrichment, its one-message notification, and a burst
 * summary. The files under ./golden/ are what the docs page "Order cards" shows, so the picture there is
 * what the code renders. A change to them is a change users will see: review the diff, then
 * `pnpm exec vitest run packages/core/test/format/golden.test.ts -u`.
 */
import {
  type CardHistoryStep,
  type FormatLocale,
  type FormatOptions,
  formatCard,
  formatNotification,
  type KeycrmOrder,
  orderEnrichment,
  parseWebhook,
  type QueuedJob,
  type TelegramMessage,
  validateTelegramHtml,
  visibleLength,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { coalesceJobs } from '../../src/delivery/coalesce.ts'
import { buildJobs } from '../../src/delivery/notifier.ts'
import apiOrder from '../fixtures/keycrm-api/order.23196.json' with { type: 'json' }
import sample from '../fixtures/order.change_order_status.production-abbreviated.json' with { type: 'json' }

/** The sample account's order statuses, as `GET /order/status` names them (built-in ones by system name). */
const statuses: FormatOptions['statuses'] = {
  order: {
    1: { name: 'new', alias: 'new', groupId: 1 },
    24: { name: 'Передано на збирання', alias: 'custom_24', groupId: 3 },
    11: { name: 'in_transit', alias: 'in_transit', groupId: 4 },
    12: { name: 'completed', alias: 'completed', groupId: 5 },
    19: { name: 'canceled', alias: 'canceled', groupId: 6 },
  },
}

const format: FormatOptions = {
  keycrmDomain: 'myshop',
  statuses,
  managers: { 6: { telegramUserId: 123456789, name: 'Олена Коваль' } },
}

/** The sample order, moved on: packed the next morning, paid, and shipped at 14:40 Kyiv time. */
const shipped = parseWebhook({
  event: sample.event,
  context: {
    ...sample.context,
    status_id: 11,
    status_group_id: 4,
    status_changed_at: '2026-01-30T12:40:00.000000Z',
    updated_at: '2026-01-30T12:40:00.000000Z',
    payment_status: 'paid',
    payments_total: 1198,
  },
})
const history: CardHistoryStep[] = [
  { statusId: 1, at: Date.parse(sample.context.status_changed_at) },
  { statusId: 24, at: Date.parse('2026-01-30T07:15:00Z') },
  { statusId: 11, at: Date.parse('2026-01-30T12:40:00Z') },
]
/** What KeyCRM's API adds (`GET /order/23196` with the default includes) and the source list's name. */
// A JSON import types `status: "paid"` as any string; the file is a KeyCRM reply.
const enrichment = { ...orderEnrichment(apiOrder as KeycrmOrder), source: { name: 'Instagram' } }

const locales: FormatLocale[] = ['uk', 'en', 'ru']

function checked(message: TelegramMessage): string {
  expect(validateTelegramHtml(message.text)).toEqual({ ok: true })
  expect(visibleLength(message.text)).toBeLessThanOrEqual(4096)
  return `${JSON.stringify(message, null, 2)}\n`
}

describe('golden cards of the sample order', () => {
  for (const locale of locales) {
    it(`${locale}, from the webhook alone`, async () => {
      const card = formatCard({ event: shipped, history }, { ...format, locale })
      await expect(checked(card)).toMatchFileSnapshot(`./golden/card.${locale}.json`)
    })

    it(`${locale}, enriched from the KeyCRM API`, async () => {
      const card = formatCard({ event: shipped, history }, { ...format, locale, enrichment })
      await expect(checked(card)).toMatchFileSnapshot(`./golden/card.${locale}.enriched.json`)
    })
  }

  it('uk, the notification of the sample webhook itself (one message per change)', async () => {
    const [message, ...more] = formatNotification(parseWebhook(sample), format)
    expect(more).toEqual([])
    await expect(checked(message!)).toMatchFileSnapshot('./golden/notification.uk.json')
  })
})

describe('golden burst summary', () => {
  /** A bulk change of twelve orders: eight shipped, three completed, one canceled, as one chat's due jobs. */
  function burst(locale: FormatLocale): QueuedJob[] {
    const moves: [number, number, number | null][] = [
      [7000207, 11, 1450],
      [7000201, 11, 1198],
      [7000212, 12, 640],
      [7000203, 11, 2300],
      [7000204, 11, 875.5],
      [7000210, 19, null],
      [7000205, 11, 1198],
      [7000202, 12, 3120],
      [7000209, 11, 499],
      [7000206, 11, 1990],
      [7000211, 12, 760],
      [7000208, 11, 2045],
    ]
    return moves.flatMap(([id, statusId, total], index) => {
      const event = parseWebhook({
        event: 'order.change_order_status',
        context: {
          id,
          status_id: statusId,
          status_group_id: statuses?.order?.[statusId]?.groupId,
          grand_total: total,
        },
      })
      return buildJobs(event, [{ chatId: '-1001234567890', locale }], { statuses }).map((job) => ({
        ...job,
        id: `job-${index}`,
        deliveryKey: `key-${index}`,
        sequence: index,
        attempts: 0,
        notBefore: 0,
        createdAt: 0,
        lastError: null,
      }))
    })
  }

  for (const locale of ['uk', 'en'] as const) {
    it(`${locale}: grouped by target status, in the chat's language`, async () => {
      const jobs = burst(locale)
      const batch = coalesceJobs(jobs)
      expect(batch?.jobs).toHaveLength(jobs.length)
      await expect(checked(batch!.message)).toMatchFileSnapshot(`./golden/summary.${locale}.json`)
    })
  }
})
