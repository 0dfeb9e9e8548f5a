/**
 * The records a fake KeyCRM account holds, and a small realistic default account.
 *
 * Shapes follow KeyCRM's OpenAPI v1.2.0 and a real `POST /order` reply: money mostly numbers but some
 * strings (`orders_sum: "0.00"`), times as `2024-11-13T18:46:36.000000Z` on entities and
 * `2020-05-16 16:56:44` on dictionaries, built-in order statuses with system English names.
 *
 * @module
 */

/** A JSON object as the fake returns it. */
export type FakeRecord = Record<string, unknown> & { id: number }

/** An order as stored: its own columns plus `buyer`, `products`, `shipping`, `payments`; includes are joined. */
export type FakeOrder = FakeRecord & {
  status_id: number
  manager_id?: number | null
  buyer?: Record<string, unknown> | null
  products?: Record<string, unknown>[]
  shipping?: (Record<string, unknown> & { delivery_service_id?: number | null }) | null
  payments?: Record<string, unknown>[]
}

/** A funnel card as stored: its own columns plus `contact` and `products`. */
export type FakeLead = FakeRecord & { status_id: number; pipeline_id: number; manager_id?: number | null }

/** Everything the fake account holds. Mutate freely in a test (e.g. add a status to test a cache miss). */
export interface FakeKeycrmData {
  orderStatuses: FakeRecord[]
  sources: FakeRecord[]
  users: FakeRecord[]
  pipelines: FakeRecord[]
  /** Funnel statuses, each with `pipeline_id`. */
  pipelineStatuses: FakeRecord[]
  deliveryServices: FakeRecord[]
  orders: FakeOrder[]
  leads: FakeLead[]
  /** Offers, each with `product_id`. */
  offers: FakeRecord[]
  products: FakeRecord[]
}

const dictionaryTimes = { created_at: '2020-05-16 16:56:44', updated_at: '2020-05-16 16:56:44' }

function status(id: number, name: string, alias: string, groupId: number): FakeRecord {
  return {
    id,
    name,
    alias,
    is_active: true,
    group_id: groupId,
    is_closing_order: groupId >= 5,
    is_reserved: alias === name,
    expiration_period: null,
    ...dictionaryTimes,
    deleted_at: null,
  }
}

/** A fresh copy of the default account: statuses like a real one, two sources, three users, one order. */
export function defaultFakeKeycrmData(): FakeKeycrmData {
  return {
    // Built-in statuses carry system names; custom ones (21, 24) human text, as KeyCRM returns them.
    orderStatuses: [
      status(1, 'new', 'new', 1),
      status(21, 'Виявлення потреби', 'custom_21', 1),
      status(4, 'invoice_sent', 'invoice_sent', 2),
      status(3, 'paid', 'paid', 2),
      status(24, 'Передано на збирання', 'custom_24', 3),
      status(8, 'delivery_agreed', 'delivery_agreed', 4),
      status(11, 'in_transit', 'in_transit', 4),
      status(12, 'completed', 'completed', 5),
      status(19, 'canceled', 'canceled', 6),
      status(20, 'Не забрали з пошти', 'custom_20', 6),
    ],
    sources: [
      {
        id: 1,
        name: 'Сайт',
        alias: 'site',
        driver: 'opencart',
        source_uuid: null,
        source_name: null,
        currency_code: 'UAH',
        ...dictionaryTimes,
      },
      {
        id: 2,
        name: 'Instagram',
        alias: 'instagram',
        driver: 'manual',
        source_uuid: null,
        source_name: null,
        currency_code: 'UAH',
        ...dictionaryTimes,
      },
    ],
    users: [
      user(1, 'Адмін', 'Магазину', 'active'),
      user(6, 'Олена', 'Коваль', 'active'),
      user(7, 'Петро', 'Іванюк', 'blocked'),
    ],
    pipelines: [
      {
        id: 1,
        name: 'Заявки',
        target_type: 'order',
        target_id: null,
        use_payments: false,
        lead_type: 'lead',
      },
    ],
    pipelineStatuses: [
      {
        id: 1001,
        pipeline_id: 1,
        title: 'Нова заявка',
        alias: 'new',
        color: '#2f80ed',
        is_final: false,
        leads_count: 3,
      },
      {
        id: 1002,
        pipeline_id: 1,
        title: 'В роботі',
        alias: 'in_work',
        color: '#f2994a',
        is_final: false,
        leads_count: 1,
      },
      {
        id: 1003,
        pipeline_id: 1,
        title: 'Успішно',
        alias: 'success',
        color: '#27ae60',
        is_final: true,
        leads_count: 9,
      },
    ],
    deliveryServices: [
      { id: 1, name: 'Нова Пошта', source_name: 'novaposhta', alias: 'np' },
      { id: 2, name: 'Укрпошта', source_name: 'ukrposhta', alias: 'up' },
    ],
    orders: [
      {
        id: 67526,
        parent_id: null,
        source_uuid: '№18766',
        source_id: 1,
        client_id: 3,
        status_id: 11,
        status_group_id: 4,
        manager_id: 6,
        grand_total: 1450,
        total_discount: 0,
        shipping_price: '0.00',
        payment_status: 'paid',
        payments_total: 1450,
        manager_comment: null,
        buyer_comment: null,
        created_at: '2026-01-29T11:35:03.000000Z',
        ordered_at: '2026-01-29T11:30:49.000000Z',
        updated_at: '2026-01-29T18:53:35.000000Z',
        status_changed_at: '2026-01-29T18:53:35.000000Z',
        closed_at: null,
        buyer: {
          id: 3,
          company_id: null,
          full_name: 'Олена Кравченко',
          phone: '+380501234567',
          email: 'olena@example.com',
          orders_sum: '0.00',
          currency: 'UAH',
          manager_id: null,
        },
        products: [
          product(1, 'K-B-001', "Кіт батон 50 см м'яка іграшка", 700, 1),
          product(2, 'a001-56', 'Подушка-обіймашка', 375, 2),
        ],
        shipping: {
          delivery_service_id: 1,
          tracking_code: '20450000000000',
          shipping_status: 'in_transit',
          shipping_address_city: 'Київ',
          shipping_address_country: 'Україна',
          shipping_address_region: null,
          shipping_secondary_line: '',
          shipping_receive_point: 'Відділення №12',
          recipient_full_name: 'Олена Кравченко',
          recipient_phone: null,
        },
        payments: [
          { id: 1, payment_method_id: 1, amount: 1450, status: 'paid', payment_date: '2026-01-29 12:00:00' },
        ],
      },
    ],
    leads: [
      {
        id: 13898,
        title: 'Оптове замовлення',
        pipeline_id: 1,
        status_id: 1002,
        source_id: 2,
        contact_id: 5,
        manager_id: 6,
        manager_comment: null,
        status_changed_at: '2026-01-29T10:00:00.000000Z',
        created_at: '2026-01-28T09:00:00.000000Z',
        updated_at: '2026-01-29T10:00:00.000000Z',
        contact: {
          id: 5,
          full_name: 'Іван Петренко',
          phone: '+380671112233',
          email: null,
          client_id: 9,
          client: {
            id: 9,
            full_name: 'Іван Петренко',
            phone: '+380671112233',
            email: null,
            orders_sum: '0.00',
          },
        },
        products: [],
      },
    ],
    products: [
      {
        id: 501,
        name: "Кіт батон 50 см м'яка іграшка",
        sku: 'K-B-001',
        currency_code: 'UAH',
        is_archived: false,
      },
      { id: 502, name: 'Подушка-обіймашка', sku: 'a001', currency_code: 'UAH', is_archived: false },
    ],
    offers: [
      {
        id: 130826,
        product_id: 501,
        sku: 'K-B-001',
        barcode: '',
        price: 700,
        purchased_price: 300,
        quantity: 4,
      },
      {
        id: 130827,
        product_id: 502,
        sku: 'a001-56',
        barcode: '',
        price: 375,
        purchased_price: 150,
        quantity: 16,
      },
    ],
  }
}

function user(id: number, first: string, last: string, userStatus: string): FakeRecord {
  return {
    id,
    first_name: first,
    last_name: last,
    full_name: `${first} ${last}`,
    username: `user${id}`,
    email: `user${id}@example.com`,
    phone: null,
    role_id: 1,
    status: userStatus,
    ...dictionaryTimes,
    last_logged_at: '2026-01-29 08:00:00',
  }
}

function product(
  id: number,
  sku: string,
  name: string,
  price: number,
  quantity: number,
): Record<string, unknown> {
  return {
    id,
    sku,
    name,
    price,
    price_sold: price,
    quantity,
    discount_amount: 0,
    unit_type: null,
    comment: null,
    properties: [],
    picture: { thumbnail: null },
    offer_id: id === 1 ? 130826 : 130827,
  }
}
