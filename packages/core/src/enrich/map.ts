/**
 * From KeyCRM API replies to the formatter's {@link OrderEnrichment}.
 *
 * @module
 */
import { carrierOf } from '../format/tracking.ts'
import type {
  EnrichmentManager,
  EnrichmentProduct,
  EnrichmentShipping,
  EnrichmentTotals,
  OrderEnrichment,
} from '../format/types.ts'
import type {
  KeycrmLead,
  KeycrmOrder,
  KeycrmOrderProduct,
  KeycrmShipping,
  KeycrmUser,
} from '../keycrm/types.ts'

/** A number from the API's numbers or numeric strings (`"2.00"`); `null` for anything else. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value)
    return Number.isFinite(parsed) ? parsed : null
  }
  return null
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null

function userName(user: KeycrmUser | null | undefined): string | null {
  if (!user) return null
  return text(user.full_name) ?? text([user.first_name, user.last_name].filter(Boolean).join(' '))
}

function manager(user: KeycrmUser | null | undefined, managerId: unknown): EnrichmentManager | undefined {
  const name = userName(user)
  const id = toNumber(user?.id) ?? toNumber(managerId)
  if (!name && id === null) return undefined
  const result: EnrichmentManager = { full_name: name }
  if (id !== null) result.id = id
  return result
}

function product(line: KeycrmOrderProduct): EnrichmentProduct {
  return {
    name: text(line.name),
    quantity: toNumber(line.quantity),
    price: toNumber(line.price_sold) ?? toNumber(line.price),
    sku: text(line.sku) ?? text(line.offer?.sku),
  }
}

function shipping(value: KeycrmShipping | null | undefined): EnrichmentShipping | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null
  const address = [
    text(value.shipping_address_city),
    text(value.shipping_receive_point) ?? text(value.shipping_secondary_line),
  ].filter(Boolean)
  const service = value.deliveryService
  const result: EnrichmentShipping = {
    service: text(service?.name),
    tracking_code: text(value.tracking_code),
    address: address.length === 0 ? null : address.join(', '),
  }
  if (!(result.service || result.tracking_code || result.address)) return null
  // The alias and the integration name (`novaposhta`) name the carrier even under a custom service name.
  const carrier = carrierOf([service?.name, service?.alias, service?.source_name].filter(Boolean).join(' '))
  if (carrier !== undefined) result.carrier = carrier
  return result
}

function totals(order: KeycrmOrder): EnrichmentTotals | undefined {
  const result: EnrichmentTotals = {
    grand_total: toNumber(order.grand_total),
    payments_total: toNumber(order.payments_total),
    payment_status: text(order.payment_status),
  }
  return result.grand_total !== null || result.payments_total !== null || result.payment_status !== null
    ? result
    : undefined
}

/** The enrichment an order notification shows: buyer, products, manager, shipping, total and payment status. */
export function orderEnrichment(order: KeycrmOrder): OrderEnrichment {
  const enrichment: OrderEnrichment = {}
  const figures = totals(order)
  if (figures) enrichment.totals = figures
  if (order.buyer && typeof order.buyer === 'object')
    enrichment.buyer = {
      full_name: text(order.buyer.full_name),
      phone: text(order.buyer.phone),
      email: text(order.buyer.email),
    }
  if (Array.isArray(order.products)) enrichment.products = order.products.map(product)
  const responsible = manager(order.manager, order.manager_id)
  if (responsible) enrichment.manager = responsible
  const delivery = shipping(order.shipping)
  if (delivery) enrichment.shipping = delivery
  return enrichment
}

/** The enrichment a funnel card notification shows: contact (as buyer), products, manager. */
export function leadEnrichment(lead: KeycrmLead): OrderEnrichment {
  const enrichment: OrderEnrichment = {}
  const contact = lead.contact
  if (contact && typeof contact === 'object') {
    const client = contact.client ?? null
    enrichment.buyer = {
      full_name: text(contact.full_name) ?? text(client?.full_name),
      phone: text(contact.phone) ?? text(client?.phone),
      email: text(contact.email) ?? text(client?.email),
    }
  }
  if (Array.isArray(lead.products) && lead.products.length > 0)
    enrichment.products = lead.products.map(product)
  const responsible = manager(lead.manager, lead.manager_id)
  if (responsible) enrichment.manager = responsible
  return enrichment
}
