import { describe, expect, it } from 'vitest'
import {
  type KeycrmEvent,
  KeycrmWebhookError,
  type KeycrmWebhookErrorCode,
  parseWebhook,
  parseWebhookText,
} from '../../src/webhook/index.ts'
import { body, fixtureText, webhookErrorOf } from './helpers.ts'

function orderContext(event: KeycrmEvent) {
  if (event.kind !== 'order_status' && event.kind !== 'payment_status') throw new Error(`got ${event.kind}`)
  return event.context
}

function order(context: Record<string, unknown>) {
  return orderContext(parseWebhook({ event: 'order.change_order_status', context }))
}

describe('parseWebhookText with the real KeyCRM fixtures', () => {
  it('parses the abbreviated production order webhook with every value normalised', () => {
    const event = parseWebhookText(fixtureText('order.change_order_status.production-abbreviated.json'))
    expect(event.kind).toBe('order_status')
    expect(event.event).toBe('order.change_order_status')
    const context = orderContext(event)
    expect(context).toMatchObject({
      id: 23196,
      source_uuid: '№18766',
      status_group_id: 1,
      status_id: 1,
      status_changed_at: '2026-01-29T18:53:35.000Z',
      ordered_at: '2026-01-29T11:30:49.000Z',
      created_at: '2026-01-29T11:35:03.000Z',
      updated_at: '2026-01-29T18:53:35.000Z',
      grand_total: 1198,
      payments_total: 0,
      products_total: 1198,
      payment_status: 'not_paid',
      client_id: 23043,
      manager_id: 6,
      manager_comment: '... містить дані отримувача, доставку, UTM ...',
      // Absent columns are null, not undefined.
      parent_id: null,
      taxes: null,
      is_gift: null,
      closed_at: null,
    })
    // Columns Keygram does not model survive in raw, verbatim.
    expect(context.raw.global_source_uuid).toBe('5821089251461')
    expect(context.raw.status_on_source).toBe('new')
    expect(context.raw.status_changed_at).toBe('2026-01-29T18:53:35.000000Z')
    expect(Object.keys(context.raw)).toHaveLength(17)
  })

  it('parses the 4-key replay body (second timestamp format with Z)', () => {
    const context = orderContext(
      parseWebhookText(fixtureText('order.change_order_status.replay-minimal.json')),
    )
    expect(context.id).toBe(29068)
    expect(context.status_id).toBe(20)
    expect(context.updated_at).toBe('2026-04-02T12:00:00.000Z')
    expect(context.source_uuid).toBe('manual-test-29068-run-1')
    expect(context.status_changed_at).toBeNull()
    expect(context.grand_total).toBeNull()
  })

  it('parses the minimal lead webhook into a lead context', () => {
    const event = parseWebhookText(fixtureText('lead.change_lead_status.minimal.json'))
    if (event.kind !== 'lead_status') throw new Error(`got ${event.kind}`)
    expect(event.context).toEqual({
      id: 13898,
      status_id: 1002,
      title: null,
      pipeline_id: null,
      contact_id: null,
      manager_id: null,
      source_id: null,
      manager_comment: null,
      status_changed_at: null,
      created_at: null,
      updated_at: null,
      raw: { id: 13898, status_id: 1002 },
    })
  })

  it('refuses the stock-balance webhook array with a hint saying what it is', () => {
    // The official example body of KeyCRM's separate stock-balance webhook.
    const stock = '[{"offer_id": 130827, "sku": "a001-56", "in_stock": 16, "in_reserve": 3}]'
    const error = webhookErrorOf(() => parseWebhookText(stock))
    expect(error.code).toBe('not_an_object')
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/stock-balance webhook/)
    expect(webhookErrorOf(() => parseWebhookText('[1, 2]')).message).toMatch(/stock-balance/)
  })
})

describe('payment and lead events', () => {
  it('gives a payment event an order context', () => {
    const event = parseWebhook({
      event: 'order.change_payment_status',
      context: { id: '77', payment_status: 'part_paid', payments_total: '150.50', grand_total: 300 },
    })
    expect(event.kind).toBe('payment_status')
    expect(orderContext(event)).toMatchObject({ id: 77, payment_status: 'part_paid', payments_total: 150.5 })
  })

  it('reads every lead column', () => {
    const event = parseWebhook({
      event: 'lead.change_lead_status',
      context: {
        id: 5,
        title: 'Заявка <b>сайт</b>',
        pipeline_id: '1',
        status_id: 3,
        contact_id: 9,
        manager_id: null,
        source_id: '',
        manager_comment: 'call back',
        status_changed_at: '2024-05-28 09:34:10',
        created_at: '2024-05-28T09:00:00.000000Z',
        updated_at: '2024-05-28 09:34:10',
      },
    })
    if (event.kind !== 'lead_status') throw new Error(event.kind)
    expect(event.context).toMatchObject({
      title: 'Заявка <b>сайт</b>',
      pipeline_id: 1,
      source_id: null,
      status_changed_at: '2024-05-28T09:34:10.000Z',
      created_at: '2024-05-28T09:00:00.000Z',
    })
  })
})

describe('coercions KeyCRM needs', () => {
  it('turns numeric strings into numbers and empty strings into null', () => {
    const context = order({
      id: ' 12 ',
      status_id: '3',
      grand_total: '1198',
      shipping_price: '2.00',
      taxes: ' 0.50 ',
      wrap_price: '',
      discount_percent: -5,
      total_discount: '-1.5',
      manager_id: '',
    })
    expect(context).toMatchObject({
      id: 12,
      status_id: 3,
      grand_total: 1198,
      shipping_price: 2,
      taxes: 0.5,
      wrap_price: null,
      discount_percent: -5,
      total_discount: -1.5,
      manager_id: null,
    })
  })

  it('reads booleans as true/false, 0/1 and "0"/"1"', () => {
    expect(order({ id: 1, is_gift: 1, has_reserves: '0', is_expired: true })).toMatchObject({
      is_gift: true,
      has_reserves: false,
      is_expired: true,
    })
    expect(order({ id: 1, is_gift: '1', has_reserves: 0, is_expired: false })).toMatchObject({
      is_gift: true,
      has_reserves: false,
      is_expired: false,
    })
    expect(order({ id: 1, is_gift: null, has_reserves: '' }).is_gift).toBeNull()
  })

  it('normalises both KeyCRM timestamp formats and ISO with Z to one ISO form', () => {
    const context = order({
      id: 1,
      status_changed_at: '2026-01-29T18:53:35.000000Z',
      created_at: '2024-05-28 09:34:10',
      updated_at: '2026-04-02T12:00:00Z',
      ordered_at: '2026-04-02T15:00:00+03:00',
      closed_at: '2024-02-29 23:59:59.999999',
      deleted_at: null,
    })
    expect(context).toMatchObject({
      status_changed_at: '2026-01-29T18:53:35.000Z',
      created_at: '2024-05-28T09:34:10.000Z',
      updated_at: '2026-04-02T12:00:00.000Z',
      ordered_at: '2026-04-02T12:00:00.000Z',
      closed_at: '2024-02-29T23:59:59.999Z',
      deleted_at: null,
    })
  })

  it('treats the MySQL zero date and empty strings as no timestamp', () => {
    expect(order({ id: 1, closed_at: '0000-00-00 00:00:00', deleted_at: '' })).toMatchObject({
      closed_at: null,
      deleted_at: null,
    })
  })

  it('keeps text verbatim: HTML, RTL, emoji, newlines', () => {
    const comment = '<b>Терміново</b> & <script>alert(1)</script>\nשלום עולם مرحبا 🎁👍🏽\r\n'
    const context = order({ id: 1, manager_comment: comment, client_comment: '', promocode: 'SALE-10' })
    expect(context.manager_comment).toBe(comment)
    expect(context.client_comment).toBe('')
    expect(context.raw.manager_comment).toBe(comment)
  })

  it('accepts a numeric source_uuid as text', () => {
    expect(order({ id: 1, source_uuid: 18766 }).source_uuid).toBe('18766')
  })
})

describe('unknown events', () => {
  it('accepts any other well-formed event and keeps its context', () => {
    const event = parseWebhook({ event: 'order.created', context: { id: 1, nested: { a: [1, 'x'] } } })
    expect(event).toEqual({
      kind: 'unknown',
      event: 'order.created',
      context: { id: 1, nested: { a: [1, 'x'] } },
    })
  })

  it('does not validate the context of unknown events', () => {
    const event = parseWebhook({
      event: 'Замовлення.нове',
      context: { status_id: 'abc', created_at: 'yesterday' },
    })
    expect(event.kind).toBe('unknown')
  })

  it('copies the context rather than sharing it with the input', () => {
    const context = { id: 1, list: [1] }
    const event = parseWebhook({ event: 'x.y', context })
    context.list.push(2)
    expect(event.context).toEqual({ id: 1, list: [1] })
  })
})

describe('errors', () => {
  const cases: Array<[string, string, KeycrmWebhookErrorCode, string | null, number]> = [
    ['invalid JSON', '{"event": ', 'invalid_json', null, 400],
    ['a JSON string', '"order.change_order_status"', 'not_an_object', null, 400],
    ['JSON null', 'null', 'not_an_object', null, 400],
    ['a number', '42', 'not_an_object', null, 400],
    ['no event', '{"context": {"id": 1}}', 'missing_event', 'event', 400],
    ['null event', '{"event": null, "context": {"id": 1}}', 'missing_event', 'event', 400],
    ['numeric event', '{"event": 5, "context": {"id": 1}}', 'invalid_event', 'event', 400],
    ['empty event', '{"event": "  ", "context": {"id": 1}}', 'invalid_event', 'event', 400],
    ['event with a newline', '{"event": "a\\nb", "context": {}}', 'invalid_event', 'event', 400],
    ['no context', '{"event": "order.change_order_status"}', 'missing_context', 'context', 400],
    ['context array', '{"event": "x", "context": [1]}', 'invalid_context', 'context', 400],
    ['context string', '{"event": "x", "context": "id=1"}', 'invalid_context', 'context', 400],
    ['empty text', '', 'empty_body', null, 400],
    ['whitespace text', ' \n\t ', 'empty_body', null, 400],
  ]

  it.each(cases)('refuses %s', (_name, text, code, path, status) => {
    const error = webhookErrorOf(() => parseWebhookText(text))
    expect(error).toBeInstanceOf(KeycrmWebhookError)
    expect(error.code).toBe(code)
    expect(error.path).toBe(path)
    expect(error.status).toBe(status)
    expect(error.toJSON()).toEqual({ error: code, message: error.message, path })
    if (path !== null) expect(error.message.startsWith(`${path}:`)).toBe(true)
  })

  const fieldCases: Array<[string, Record<string, unknown>, string]> = [
    ['a non-numeric status', { id: 1, status_id: 'abc' }, 'context.status_id'],
    ['an object total', { id: 1, grand_total: {} }, 'context.grand_total'],
    ['a word for a time', { id: 1, created_at: 'yesterday' }, 'context.created_at'],
    ['a numeric time', { id: 1, updated_at: 1717000000 }, 'context.updated_at'],
    ['an impossible date', { id: 1, updated_at: '2025-02-29 10:00:00' }, 'context.updated_at'],
    ['an impossible hour', { id: 1, updated_at: '2025-01-01 24:00:00' }, 'context.updated_at'],
    ['a fractional status', { id: 1, status_id: 1.5 }, 'context.status_id'],
    ['a negative manager', { id: 1, manager_id: -3 }, 'context.manager_id'],
    ['a hex amount', { id: 1, taxes: '0x10' }, 'context.taxes'],
    ['an "Infinity" amount', { id: 1, taxes: 'Infinity' }, 'context.taxes'],
    ['a yes flag', { id: 1, is_gift: 'yes' }, 'context.is_gift'],
    ['a flag of 2', { id: 1, is_gift: 2 }, 'context.is_gift'],
    ['an array comment', { id: 1, manager_comment: ['a'] }, 'context.manager_comment'],
    ['a boolean comment', { id: 1, client_comment: true }, 'context.client_comment'],
    ['no id', { status_id: 1 }, 'context.id'],
    ['a null id', { id: null }, 'context.id'],
    ['a zero id', { id: 0 }, 'context.id'],
    ['an empty id', { id: '' }, 'context.id'],
    ['an unsafe id', { id: '99999999999999999999' }, 'context.id'],
  ]

  it.each(fieldCases)('names the field path for %s', (_name, context, path) => {
    const error = webhookErrorOf(() => parseWebhook({ event: 'order.change_order_status', context }))
    expect(error.code).toBe('invalid_context')
    expect(error.path).toBe(path)
    expect(error.message.startsWith(`${path}: `)).toBe(true)
  })

  it('says what it expected and what it got', () => {
    const error = webhookErrorOf(() => order({ id: 1, status_id: 'abc' }))
    expect(error.message).toBe(
      'context.status_id: expected a non-negative integer or a numeric string, got "abc"',
    )
    expect(webhookErrorOf(() => order({ status_id: 1 })).message).toBe('context.id: missing, it is required')
  })

  it('never quotes large or structured values in messages', () => {
    const huge = 'x'.repeat(10_000)
    const error = webhookErrorOf(() => order({ id: 1, status_id: huge }))
    expect(error.message.length).toBeLessThan(200)
    expect(webhookErrorOf(() => order({ id: 1, taxes: { secret: 'value' } })).message).not.toMatch(/value/)
  })

  it('validates lead contexts too', () => {
    const error = webhookErrorOf(() =>
      parseWebhook({ event: 'lead.change_lead_status', context: { id: 1, pipeline_id: 'first' } }),
    )
    expect(error.path).toBe('context.pipeline_id')
  })

  it('refuses non-JSON values handed to parseWebhook', () => {
    expect(webhookErrorOf(() => parseWebhook(new Date())).code).toBe('not_an_object')
    expect(webhookErrorOf(() => parseWebhook(undefined)).code).toBe('not_an_object')
    const withFunction = webhookErrorOf(() => parseWebhook({ event: 'x', context: { run: () => 1 } }))
    expect(withFunction.path).toBe('context.run')
    const withDate = webhookErrorOf(() => parseWebhook({ event: 'x', context: { at: { when: new Date() } } }))
    expect(withDate.path).toBe('context.at.when')
  })

  it('refuses numbers JSON.parse made infinite', () => {
    const error = webhookErrorOf(() => parseWebhookText('{"event": "x", "context": {"big": 1e999}}'))
    expect(error.code).toBe('invalid_context')
    expect(error.path).toBe('context.big')
  })
})

describe('adversarial payloads', () => {
  it('refuses junk nested deeper than 32 levels with its path, without a stack overflow', () => {
    const depth = 200_000
    const text = `{"event": "x", "context": {"junk": ${'['.repeat(depth)}${']'.repeat(depth)}}}`
    const error = webhookErrorOf(() => parseWebhookText(text))
    expect(error.code).toBe('invalid_context')
    expect(error.path).toMatch(/^context\.junk(\.0)+$/)
    expect(error.message).toMatch(/deeper than 32 levels/)
  })

  it('accepts moderately nested junk in unknown columns', () => {
    const nested = JSON.parse(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`)
    const context = order({ id: 1, extra: nested })
    expect(context.raw.extra).toEqual(nested)
  })

  it('refuses a self-referencing object handed to parseWebhook', () => {
    const loop: Record<string, unknown> = {}
    loop.self = loop
    expect(webhookErrorOf(() => parseWebhook({ event: 'x', context: loop })).code).toBe('invalid_context')
  })

  it('parses a comment of 10k lines and one of nearly 1 MiB', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `рядок ${i} <i>ok</i> 🚚`).join('\n')
    expect(order({ id: 1, manager_comment: lines }).manager_comment).toBe(lines)
    const big = 'a'.repeat(1_048_576 - 100)
    const event = parseWebhookText(body('order.change_order_status', { id: 1, client_comment: big }))
    expect(orderContext(event).client_comment).toHaveLength(big.length)
  })

  it('refuses wrong types in every modelled column', () => {
    for (const field of ['status_id', 'grand_total', 'is_gift', 'created_at', 'manager_comment']) {
      const error = webhookErrorOf(() => order({ id: 1, [field]: { nested: [1, 2, { deep: true }] } }))
      expect(error.path).toBe(`context.${field}`)
    }
  })
})

describe('prototype pollution', () => {
  it('does not pollute Object.prototype through __proto__ anywhere in the body', () => {
    const text =
      '{"__proto__": {"polluted": 1}, "event": "order.change_order_status", "context": {"id": 1, "__proto__": {"polluted": 2}, "nested": {"__proto__": {"polluted": 3}}}}'
    const event = parseWebhookText(text)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const raw = orderContext(event).raw
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype)
    expect(Object.hasOwn(raw, '__proto__')).toBe(false)
    expect((raw as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(raw.nested)).toBe(Object.prototype)
    // A naive merge of raw into a fresh object must not pick a prototype up either.
    const merged = Object.assign({}, raw, raw.nested)
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect((merged as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('drops constructor and prototype keys from unknown contexts', () => {
    const event = parseWebhookText(
      '{"event": "x.y", "context": {"constructor": {"prototype": {"polluted": 1}}, "a": {"prototype": 1, "b": 2}}}',
    )
    expect(event.context).toEqual({ a: { b: 2 } })
    expect(Object.hasOwn(event.context, 'constructor')).toBe(false)
  })

  it('ignores an event hidden behind __proto__', () => {
    const error = webhookErrorOf(() => parseWebhookText('{"__proto__": {"event": "x", "context": {}}}'))
    expect(error.code).toBe('missing_event')
  })
})

describe('negative zero', () => {
  it('is normalised to 0 so the event survives a JSON round trip unchanged', () => {
    const event = parseWebhookText('{"event":"custom.event","context":{"id":1,"delta":-0,"nested":[-0]}}')
    if (event.kind !== 'unknown') throw new Error('expected an unknown event')
    expect(Object.is(event.context.delta, 0)).toBe(true)
    expect(event).toEqual(JSON.parse(JSON.stringify(event)))
    expect(Object.is((event.context.nested as number[])[0], 0)).toBe(true)
    const order = parseWebhookText('{"event":"order.change_order_status","context":{"id":2,"taxes":-0}}')
    if (order.kind !== 'order_status') throw new Error('expected an order event')
    expect(Object.is(order.context.taxes, 0)).toBe(true)
  })
})
