/**
 * valibot schemas of the contexts Keygram models. Every column is optional except `id`; each one is
 * coerced by the functions in `coerce.ts`, and a present-but-unreadable value is an issue whose path
 * names the column.
 *
 * @module
 */
import * as v from 'valibot'
import {
  INVALID,
  type Invalid,
  toBoolean,
  toId,
  toNumber,
  toRequiredId,
  toText,
  toTimestamp,
} from './coerce.ts'
import { describeReceived } from './errors.ts'

/** A column schema built from a coercion and the words describing what it expects. */
function column<T>(expected: string, coerce: (value: unknown) => T | Invalid) {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, T>(({ dataset, addIssue, NEVER }) => {
      const result = coerce(dataset.value)
      if (result !== INVALID) return result
      addIssue({ message: `expected ${expected}, got ${describeReceived(dataset.value)}` })
      return NEVER
    }),
  )
}

const requiredId = column('a positive integer or a numeric string', toRequiredId)
const id = v.optional(column('a non-negative integer or a numeric string', toId), null)
const amount = v.optional(column('a number or a numeric string', toNumber), null)
const flag = v.optional(column('a boolean, 0/1 or "0"/"1"', toBoolean), null)
const text = v.optional(column('a string', toText), null)
const timestamp = v.optional(
  column('a UTC timestamp such as "2026-01-29T18:53:35.000000Z" or "2024-05-28 09:34:10"', toTimestamp),
  null,
)

/** The modelled columns of an order context (`raw` is added by the parser). */
export const orderContextSchema = v.object({
  id: requiredId,
  parent_id: id,
  source_id: id,
  source_uuid: text,
  client_id: id,
  manager_id: id,
  status_id: id,
  status_group_id: id,
  status_changed_at: timestamp,
  payment_status: text,
  grand_total: amount,
  products_total: amount,
  payments_total: amount,
  total_discount: amount,
  discount_amount: amount,
  discount_percent: amount,
  shipping_price: amount,
  taxes: amount,
  wrap_price: amount,
  manager_comment: text,
  client_comment: text,
  promocode: text,
  gift_message: text,
  is_gift: flag,
  has_reserves: flag,
  is_expired: flag,
  fiscal_status: text,
  created_at: timestamp,
  updated_at: timestamp,
  ordered_at: timestamp,
  closed_at: timestamp,
  deleted_at: timestamp,
})

/** The modelled columns of a funnel card (lead) context (`raw` is added by the parser). */
export const leadContextSchema = v.object({
  id: requiredId,
  title: text,
  pipeline_id: id,
  status_id: id,
  contact_id: id,
  manager_id: id,
  source_id: id,
  manager_comment: text,
  status_changed_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
})
