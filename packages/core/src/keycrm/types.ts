/**
 * Shapes of the KeyCRM REST API replies Keygram reads (OpenAPI v1.2.0, `openapi.keycrm.app/v1`).
 *
 * Only the fields notifications, routing and digests use are modelled; every reply may carry more, and
 * real replies break the documented types now and then (money as strings like `"0.00"`, `[]` for
 * objects), so consumers coerce what they read (see `toNumber`).
 *
 * @module
 */

/** A paginated list reply: `GET /order/status`, `/order/source`, `/users`, `/offers`... */
export interface KeycrmPage<T> {
  total: number
  current_page: number
  per_page: number
  data: T[]
  next_page_url?: string | null
}

/** An order status (`GET /order/status`, `include=status`). */
export interface KeycrmOrderStatus {
  id: number
  /** Built-in statuses carry a system English name (`new`, `completed`...); custom ones human text. */
  name: string
  alias: string
  is_active?: boolean
  /** Fixed ids: 1 new, 2 approval, 3 production, 4 delivery, 5 completed, 6 canceled. */
  group_id?: number
  is_closing_order?: boolean
  is_reserved?: boolean
  expiration_period?: number | null
}

/** An order source (`GET /order/source`): a shop, marketplace or manual channel. */
export interface KeycrmSource {
  id: number
  name: string
  alias: string
  driver?: string
  source_name?: string | null
  currency_code?: string
}

/** A KeyCRM user (`GET /users`, `include=manager`). */
export interface KeycrmUser {
  id: number | null
  first_name?: string | null
  last_name?: string | null
  full_name: string | null
  username?: string | null
  email?: string | null
  phone?: string | null
  role_id?: number | null
  /** `active`, `pending` or `blocked`. */
  status?: string
}

/** A funnel (`GET /pipelines`). */
export interface KeycrmPipeline {
  id: number
  name: string
}

/** A funnel status (`GET /pipelines/{id}/statuses`). Funnel statuses have a `title`, not a `name`. */
export interface KeycrmPipelineStatus {
  id: number
  pipeline_id: number
  title: string
  alias?: string
  color?: string
  is_final?: boolean
}

/** A delivery service (`include=shipping.deliveryService`, `GET /order/delivery-service`). */
export interface KeycrmDeliveryService {
  id: number
  name: string
  alias?: string
  source_name?: string
}

/** An order line (`include=products.offer`). */
export interface KeycrmOrderProduct {
  name?: string | null
  sku?: string | null
  price?: number | string | null
  price_sold?: number | string | null
  quantity?: number | string | null
  offer?: { id?: number; sku?: string | null } | null
}

/** The buyer of an order (`include=buyer`). */
export interface KeycrmBuyer {
  id?: number | null
  full_name?: string | null
  phone?: string | null
  email?: string | null
}

/** Shipping details (`include=shipping.deliveryService`). */
export interface KeycrmShipping {
  delivery_service_id?: number | null
  tracking_code?: string | null
  shipping_status?: string | null
  shipping_address_city?: string | null
  shipping_address_country?: string | null
  shipping_address_region?: string | null
  shipping_secondary_line?: string | null
  shipping_receive_point?: string | null
  recipient_full_name?: string | null
  recipient_phone?: string | null
  deliveryService?: KeycrmDeliveryService | null
}

/** A payment of an order (`include=payments`). */
export interface KeycrmPayment {
  id?: number
  amount?: number | string
  status?: 'paid' | 'not_paid' | 'canceled' | null
  payment_date?: string | null
}

/** `GET /order/{id}` with the includes notifications use. */
export interface KeycrmOrder {
  id: number
  source_id?: number | null
  source_uuid?: string | null
  status_id?: number
  status_group_id?: number
  grand_total?: number | string | null
  payments_total?: number | string | null
  payment_status?: string | null
  manager_id?: number | null
  created_at?: string | null
  ordered_at?: string | null
  updated_at?: string | null
  buyer?: KeycrmBuyer | null
  products?: KeycrmOrderProduct[] | null
  manager?: KeycrmUser | null
  status?: KeycrmOrderStatus | null
  payments?: KeycrmPayment[] | null
  shipping?: KeycrmShipping | null
}

/** The contact of a funnel card (`include=contact.client`). */
export interface KeycrmContact {
  id?: number | null
  full_name?: string | null
  email?: string | null
  phone?: string | null
  client?: KeycrmBuyer | null
}

/** `GET /pipelines/cards/{id}` with the includes notifications use. */
export interface KeycrmLead {
  id: number
  title?: string | null
  pipeline_id?: number | null
  status_id?: number
  source_id?: number | null
  manager_id?: number | null
  contact?: KeycrmContact | null
  manager?: KeycrmUser | null
  status?: KeycrmPipelineStatus | null
  products?: KeycrmOrderProduct[] | null
}

/** A product variant (`GET /offers`), with its product when asked for (`include=product`). */
export interface KeycrmOffer {
  id: number
  product_id: number
  sku: string | null
  barcode?: string | null
  price?: number | string | null
  quantity?: number | string | null
  product?: { id: number; name: string; sku?: string | null; currency_code?: string } | null
}
