/**
 * Sample KeyCRM webhook bodies bundled with the CLI (`keygram send-test`), modelled on real deliveries
 * (see `packages/core/test/fixtures`): an order status change, a payment status change and a lead status change.
 *
 * @module
 */

/** One sample: a name for the terminal and the JSON body as KeyCRM posts it. */
export interface SampleWebhook {
  name: string
  body: { event: string; context: Record<string, unknown> }
}

/**
 * The bundled samples. Their change times are `now` (KeyCRM's microsecond format), so each run makes new
 * deliveries instead of redeliveries Keygram would suppress.
 */
export function sampleWebhooks(now: number = Date.now()): SampleWebhook[] {
  const at = new Date(now).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
  const order = {
    id: 23196,
    source_uuid: '№18766',
    global_source_uuid: '5821089251461',
    status_on_source: 'new',
    status_group_id: 1,
    status_id: 1,
    status_changed_at: at,
    ordered_at: '2026-01-29T11:30:49.000000Z',
    created_at: '2026-01-29T11:35:03.000000Z',
    updated_at: at,
    grand_total: 1198,
    payments_total: 0,
    products_total: 1198,
    payment_status: 'not_paid',
    client_id: 23043,
    manager_id: 6,
    manager_comment: 'Demo: a new order from the website',
  }
  return [
    { name: 'order status changed', body: { event: 'order.change_order_status', context: order } },
    {
      name: 'order payment changed',
      body: {
        event: 'order.change_payment_status',
        context: { ...order, id: 23197, source_uuid: '№18767', payment_status: 'paid', payments_total: 1198 },
      },
    },
    {
      name: 'lead status changed',
      body: {
        event: 'lead.change_lead_status',
        context: {
          id: 13898,
          title: 'Wholesale enquiry',
          pipeline_id: 1,
          status_id: 1002,
          manager_id: 6,
          status_changed_at: at,
          created_at: '2026-01-28 09:34:10',
          updated_at: at,
        },
      },
    },
  ]
}

/**
 * KeyCRM's stock-balance webhook as its documentation shows it (`packages/core/test/fixtures/stock.balance-webhook.json`):
 * an array of `{offer_id, sku, in_stock, in_reserve}` with no `event` key.
 */
export function sampleStockWebhook(): {
  name: string
  body: { offer_id: number; sku: string; in_stock: number; in_reserve: number }[]
} {
  return {
    name: 'stock balance changed',
    body: [{ offer_id: 130827, sku: 'a001-56', in_stock: 16, in_reserve: 3 }],
  }
}
