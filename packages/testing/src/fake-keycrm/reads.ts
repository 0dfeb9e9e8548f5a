/**
 * The fake KeyCRM API's read routes: lists in KeyCRM's pages, an order or a funnel card with the includes asked
 * for, offers by filter.
 *
 * @module
 */
import type { FakeKeycrmData, FakeOrder, FakeRecord } from './data.ts'
import { HttpError, notFound } from './http-error.ts'
import { findTarget } from './status-changes.ts'

const MAX_LIMIT = 50
const DEFAULT_LIMIT = 15

/** Splits `include=a,b.c` into a set of names (`a`, `b.c`). */
function includesOf(query: Record<string, string>): Set<string> {
  return new Set(
    (query.include ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
}

function paginate(
  path: string,
  items: readonly unknown[],
  query: Record<string, string>,
): Record<string, unknown> {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit)
  const page = query.page === undefined ? 1 : Number(query.page)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new HttpError(422, {
      message: `The limit must be between 1 and ${MAX_LIMIT}.`,
      errors: { limit: [`The limit must be between 1 and ${MAX_LIMIT}.`] },
    })
  }
  if (!Number.isInteger(page) || page < 1)
    throw new HttpError(422, { message: 'The page must be at least 1.' })
  const lastPage = Math.max(1, Math.ceil(items.length / limit))
  const url = (n: number) => `https://openapi.keycrm.app/v1${path}?page=${n}`
  return {
    total: items.length,
    current_page: page,
    per_page: limit,
    data: items.slice((page - 1) * limit, page * limit),
    first_page_url: url(1),
    last_page_url: url(lastPage),
    next_page_url: page < lastPage ? url(page + 1) : null,
  }
}

function idFilter(value: string | undefined): ((id: unknown) => boolean) | undefined {
  if (value === undefined) return undefined
  const ids = new Set(value.split(',').map((part) => part.trim()))
  return (id) => ids.has(String(id))
}

/** Answers `GET` requests from the account's records. */
export class KeycrmReads {
  constructor(private readonly data: FakeKeycrmData) {}

  /** The reply to `GET path?query`; throws {@link HttpError} for KeyCRM's 404 and 422 answers. */
  route(path: string, query: Record<string, string>): unknown {
    const { data } = this
    const segments = path.split('/').filter(Boolean)
    const [first, second, third] = segments
    if (first === 'order' && segments.length === 2) {
      if (second === 'status') return paginate(path, data.orderStatuses, query)
      if (second === 'source') return paginate(path, data.sources, query)
      if (second === 'delivery-service') return paginate(path, data.deliveryServices, query)
      return this.order(second!, query)
    }
    if (first === 'users' && segments.length === 1) {
      const byId = idFilter(query['filter[id]'])
      return paginate(path, byId ? data.users.filter((item) => byId(item.id)) : data.users, query)
    }
    if (first === 'pipelines') {
      if (segments.length === 1) return paginate(path, data.pipelines, query)
      if (second === 'cards' && third !== undefined && segments.length === 3)
        return this.lead(third, path, query)
      if (third === 'statuses' && segments.length === 3) {
        const pipelineId = Number(second)
        if (!data.pipelines.some((pipeline) => pipeline.id === pipelineId)) throw notFound()
        return paginate(
          path,
          data.pipelineStatuses.filter((item) => item.pipeline_id === pipelineId),
          query,
        )
      }
    }
    if (first === 'offers' && segments.length === 1) return this.offers(path, query)
    throw notFound()
  }

  private order(idText: string, query: Record<string, string>): Record<string, unknown> {
    const found = findTarget(this.data, 'order', idText) as FakeOrder
    const includes = includesOf(query)
    const { buyer, products, shipping, payments, ...columns } = structuredClone(found) as FakeOrder
    const reply: Record<string, unknown> = { ...columns }
    if (includes.has('buyer')) reply.buyer = buyer ?? null
    if (includes.has('products') || includes.has('products.offer')) {
      reply.products = (products ?? []).map((line) => {
        const { offer_id: offerId, ...rest } = line
        if (!includes.has('products.offer')) return rest
        return { ...rest, offer: this.data.offers.find((offer) => offer.id === offerId) ?? null }
      })
    }
    if (includes.has('manager')) reply.manager = this.userById(found.manager_id)
    if (includes.has('status'))
      reply.status = this.data.orderStatuses.find((item) => item.id === found.status_id) ?? null
    if (includes.has('payments')) reply.payments = payments ?? []
    if (includes.has('shipping') || includes.has('shipping.deliveryService')) {
      if (shipping === null || shipping === undefined) reply.shipping = null
      else {
        reply.shipping = { ...shipping }
        if (includes.has('shipping.deliveryService')) {
          ;(reply.shipping as Record<string, unknown>).deliveryService =
            this.data.deliveryServices.find((service) => service.id === shipping.delivery_service_id) ?? null
        }
      }
    }
    return reply
  }

  private lead(idText: string, path: string, query: Record<string, string>): Record<string, unknown> {
    const found = findTarget(this.data, 'lead', idText)
    const includes = includesOf(query)
    const { contact, products, ...columns } = structuredClone(found) as FakeRecord & {
      contact?: Record<string, unknown> | null
      products?: unknown[]
    }
    const card: Record<string, unknown> = { ...columns }
    if (includes.has('contact') || includes.has('contact.client')) {
      if (contact === null || contact === undefined || includes.has('contact.client'))
        card.contact = contact ?? null
      else {
        const { client: _client, ...withoutClient } = contact
        card.contact = withoutClient
      }
    }
    if (includes.has('products')) card.products = products ?? []
    if (includes.has('manager')) card.manager = this.userById(found.manager_id)
    if (includes.has('status'))
      card.status = this.data.pipelineStatuses.find((item) => item.id === found.status_id) ?? null
    // KeyCRM's OpenAPI text documents this reply as a page holding the card.
    return paginate(path, [card], { limit: '15', page: '1' })
  }

  private offers(path: string, query: Record<string, string>): Record<string, unknown> {
    let offers: FakeRecord[] = this.data.offers
    const bySku = query['filter[sku]']
    if (bySku !== undefined) {
      const skus = new Set(bySku.split(',').map((sku) => sku.trim()))
      offers = offers.filter((offer) => skus.has(String(offer.sku)))
    }
    const byId = idFilter(query['filter[id]'])
    if (byId) offers = offers.filter((offer) => byId(offer.id))
    const byProduct = idFilter(query['filter[product_id]'])
    if (byProduct) offers = offers.filter((offer) => byProduct(offer.product_id))
    const withProduct = includesOf(query).has('product')
    const items = offers.map((offer) =>
      withProduct
        ? { ...offer, product: this.data.products.find((item) => item.id === offer.product_id) ?? null }
        : { ...offer },
    )
    return paginate(path, items, query)
  }

  private userById(id: unknown): FakeRecord | null {
    return this.data.users.find((user) => user.id === id) ?? null
  }
}
