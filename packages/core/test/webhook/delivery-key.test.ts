import { describe, expect, it } from 'vitest'
import { canonicalJson, fnv1a64 } from '../../src/webhook/hash.ts'
import { deliveryKey, type KeycrmEvent, parseWebhook, parseWebhookText } from '../../src/webhook/index.ts'
import { fixtureText, fnv1a64Reference } from './helpers.ts'

function key(event: string, context: Record<string, unknown>): string {
  return deliveryKey(parseWebhook({ event, context }))
}

describe('deliveryKey', () => {
  it('keys the production order webhook by id, status and status change time', () => {
    const event = parseWebhookText(fixtureText('order.change_order_status.production-abbreviated.json'))
    expect(deliveryKey(event)).toBe('order.change_order_status:23196:status=1:at=2026-01-29T18:53:35.000Z')
  })

  it('falls back to updated_at when status_changed_at is absent', () => {
    const event = parseWebhookText(fixtureText('order.change_order_status.replay-minimal.json'))
    expect(deliveryKey(event)).toBe('order.change_order_status:29068:status=20:at=2026-04-02T12:00:00.000Z')
  })

  it('keys payment events by payment status and updated_at', () => {
    expect(
      key('order.change_payment_status', {
        id: 5,
        payment_status: 'paid',
        status_id: 3,
        updated_at: '2024-05-28 09:34:10',
      }),
    ).toBe('order.change_payment_status:5:payment=paid:at=2024-05-28T09:34:10.000Z')
  })

  it('keys lead events like order status events', () => {
    expect(
      key('lead.change_lead_status', { id: 9, status_id: '4', status_changed_at: '2024-05-28 09:34:10' }),
    ).toBe('lead.change_lead_status:9:status=4:at=2024-05-28T09:34:10.000Z')
  })

  it('is the same for both timestamp formats and for numbers sent as strings', () => {
    const a = key('order.change_order_status', {
      id: 1,
      status_id: 2,
      status_changed_at: '2024-05-28 09:34:10',
    })
    const b = key('order.change_order_status', {
      id: '1',
      status_id: ' 2 ',
      status_changed_at: '2024-05-28T09:34:10.000000Z',
    })
    expect(a).toBe(b)
  })

  it('differs for a different status, time, order or event', () => {
    const base = { id: 1, status_id: 2, status_changed_at: '2024-05-28 09:34:10' }
    const keys = new Set([
      key('order.change_order_status', base),
      key('order.change_order_status', { ...base, status_id: 3 }),
      key('order.change_order_status', { ...base, status_changed_at: '2024-05-28 09:34:11' }),
      key('order.change_order_status', { ...base, id: 2 }),
      key('lead.change_lead_status', base),
      key('order.change_payment_status', { ...base, payment_status: 'paid' }),
      key('order.change_payment_status', { ...base, payment_status: 'not_paid' }),
    ])
    expect(keys.size).toBe(7)
  })

  it('ignores columns that do not identify the change', () => {
    const base = { id: 1, status_id: 2, status_changed_at: '2024-05-28 09:34:10' }
    expect(key('order.change_order_status', { ...base, manager_comment: 'edited later' })).toBe(
      key('order.change_order_status', base),
    )
  })

  it('hashes the whole context when a known event has no timestamp', () => {
    const a = key('lead.change_lead_status', { id: 13898, status_id: 1002 })
    expect(a).toMatch(/^lead\.change_lead_status:13898:status=1002:at=none:h=[0-9a-f]{16}$/)
    expect(key('lead.change_lead_status', { status_id: 1002, id: 13898 })).toBe(a)
    expect(key('lead.change_lead_status', { id: 13898, status_id: 1002, title: 'other card data' })).not.toBe(
      a,
    )
  })

  it('keys unknown events by name, id and a hash independent of key order', () => {
    const a = key('order.created', { id: 7, b: { y: 1, x: [1, 2] }, a: 'x' })
    expect(a).toMatch(/^order\.created:7:h=[0-9a-f]{16}$/)
    expect(key('order.created', { a: 'x', b: { x: [1, 2], y: 1 }, id: 7 })).toBe(a)
    expect(key('order.created', { id: 7, b: { y: 1, x: [2, 1] }, a: 'x' })).not.toBe(a)
    expect(key('order.updated', { id: 7, b: { y: 1, x: [1, 2] }, a: 'x' })).not.toBe(a)
  })

  it('percent-encodes free text so it cannot forge fields', () => {
    expect(key('a:b c', { x: 1 })).toMatch(/^a%3Ab%20c:h=/)
    expect(
      key('order.change_payment_status', { id: 1, payment_status: 'x:at=1', updated_at: '2024-01-01' }),
    ).toBe('order.change_payment_status:1:payment=x%3Aat%3D1:at=2024-01-01T00:00:00.000Z')
  })

  it('survives a JSON round trip through a durable queue', () => {
    const events: KeycrmEvent[] = [
      parseWebhookText(fixtureText('order.change_order_status.production-abbreviated.json')),
      parseWebhookText(fixtureText('lead.change_lead_status.minimal.json')),
      parseWebhook({ event: 'custom', context: { z: [null, { b: 1, a: 2 }], id: '44' } }),
    ]
    for (const event of events) {
      expect(deliveryKey(JSON.parse(JSON.stringify(event)))).toBe(deliveryKey(event))
    }
  })
})

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325')
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c')
    expect(fnv1a64('foobar')).toBe('85944171f73967e8')
  })

  it('hashes the UTF-8 bytes, not UTF-16 units', () => {
    // "є" is U+0454, UTF-8 d1 94: the same bytes as the Latin-1 string "\u00d1\u0094" would give if
    // hashed bytewise, but that string encodes to 4 UTF-8 bytes, so the hashes must differ.
    expect(fnv1a64('є')).toBe(fnv1a64Reference(new Uint8Array([0xd1, 0x94])))
    expect(fnv1a64('🎁')).toBe(fnv1a64Reference(new TextEncoder().encode('🎁')))
  })
})

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    )
  })
})
