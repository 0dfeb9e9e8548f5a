import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toTimestamp } from '../../src/webhook/coerce.ts'
import { fnv1a64 } from '../../src/webhook/hash.ts'
import { deliveryKey, KeycrmWebhookError, parseWebhook, parseWebhookText } from '../../src/webhook/index.ts'
import { fnv1a64Reference } from './helpers.ts'

const KNOWN_EVENTS = ['order.change_order_status', 'order.change_payment_status', 'lead.change_lead_status']
const COLUMNS = [
  'id',
  'status_id',
  'status_changed_at',
  'updated_at',
  'payment_status',
  'grand_total',
  'is_gift',
  'manager_comment',
  'title',
  'pipeline_id',
  '__proto__',
  'constructor',
  'extra',
]

/** Values KeyCRM sends, values it could send, and junk. */
const columnValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: -5, max: 100_000 }).map(String),
  fc.constantFrom('2.00', ' 12 ', '', '0', '1', 'paid', '2026-01-29T18:53:35.000000Z', '2024-05-28 09:34:10'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
)

const context = fc.dictionary(fc.constantFrom(...COLUMNS), columnValue, { maxKeys: 8 })
const webhook = fc.record({ event: fc.oneof(fc.constantFrom(...KNOWN_EVENTS), fc.string()), context })

/** Runs `parse`; any error other than a KeycrmWebhookError fails the property. */
function parsesOrRefuses(parse: () => unknown): void {
  try {
    parse()
  } catch (error) {
    if (!(error instanceof KeycrmWebhookError)) throw error
    expect(typeof error.message).toBe('string')
  }
}

/** The same object with its keys in reverse order, at every depth. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value).reverse()
  const copy: Record<string, unknown> = {}
  for (const [key, item] of entries)
    Object.defineProperty(copy, key, {
      value: reverseKeys(item),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  return copy
}

describe('parser properties', () => {
  it('any JSON value parses or throws a KeycrmWebhookError, never another error', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => parsesOrRefuses(() => parseWebhook(value))))
  })

  it('any text parses or throws a KeycrmWebhookError', () => {
    for (const text of [fc.string(), fc.json(), fc.string({ unit: 'binary' })]) {
      fc.assert(
        fc.property(text, (text) => parsesOrRefuses(() => parseWebhookText(text, { maxBytes: 10_000 }))),
      )
    }
  })

  it('a text parses as its JSON value does (the text path skips the copy of a clean context)', () => {
    const outcome = (parse: () => unknown) => {
      try {
        return { ok: parse() }
      } catch (error) {
        if (!(error instanceof KeycrmWebhookError)) throw error
        return { code: error.code, path: error.path }
      }
    }
    // Texts JSON.stringify never writes: -0, a number JSON.parse makes Infinity, pollution keys deep down.
    const spiced = fc.tuple(webhook, fc.constantFrom('', '-0', '1e999', '{"__proto__":{"x":1}}', '[1,-0]'))
    fc.assert(
      fc.property(spiced, ([body, extra]) => {
        const base = JSON.stringify(body)
        const text =
          extra === '' || !base.includes('"context":{"')
            ? base
            : base.replace('"context":{', `"context":{"spice":${extra},`)
        const fromText = outcome(() => parseWebhookText(text))
        expect(fromText).toEqual(outcome(() => parseWebhook(JSON.parse(text))))
        // The copy path drops pollution keys; equality above says the text path did too.
        if ('ok' in fromText && extra.includes('__proto__')) {
          const spice = (fromText.ok as { context: { raw?: Record<string, unknown> } }).context
          const raw = spice.raw ?? (spice as Record<string, unknown>)
          expect(Object.hasOwn((raw.spice ?? {}) as object, '__proto__')).toBe(false)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('webhook-shaped bodies parse or name a context field in the error', () => {
    fc.assert(
      fc.property(webhook, (body) => {
        try {
          parseWebhook(body)
        } catch (error) {
          if (!(error instanceof KeycrmWebhookError)) throw error
          if (error.code === 'invalid_context') {
            expect(error.path).toMatch(/^context(\.|$)/)
            expect(error.message.startsWith(`${error.path}: `)).toBe(true)
          } else expect(error.code).toBe('invalid_event')
        }
      }),
    )
  })

  it('never pollutes Object.prototype', () => {
    fc.assert(
      fc.property(webhook, (body) => {
        parsesOrRefuses(() => parseWebhookText(JSON.stringify(body).replaceAll('"extra"', '"__proto__"')))
        expect(Object.prototype).not.toHaveProperty('polluted')
        expect(Object.keys(Object.prototype)).toEqual([])
      }),
    )
  })

  it('reparsing raw gives the same event (normalisation is stable)', () => {
    fc.assert(
      fc.property(webhook, (body) => {
        let event: ReturnType<typeof parseWebhook>
        try {
          event = parseWebhook(body)
        } catch {
          return
        }
        const raw = event.kind === 'unknown' ? event.context : event.context.raw
        expect(parseWebhook({ event: event.event, context: raw })).toEqual(event)
        expect(parseWebhook(JSON.parse(JSON.stringify(body)))).toEqual(event)
      }),
    )
  })
})

describe('deliveryKey properties', () => {
  it('does not depend on the key order of the JSON', () => {
    fc.assert(
      fc.property(webhook, (body) => {
        let key: string
        try {
          key = deliveryKey(parseWebhook(body))
        } catch {
          return
        }
        expect(deliveryKey(parseWebhook(reverseKeys(body)))).toBe(key)
        expect(deliveryKey(parseWebhookText(JSON.stringify(reverseKeys(body))))).toBe(key)
      }),
    )
  })

  it('distinguishes different status ids and times of one order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (id, a, b, at) => {
          fc.pre(a !== b)
          const keyOf = (status: number, time: Date) =>
            deliveryKey(
              parseWebhook({
                event: 'order.change_order_status',
                context: { id, status_id: status, status_changed_at: time.toISOString() },
              }),
            )
          expect(keyOf(a, at)).not.toBe(keyOf(b, at))
          expect(keyOf(a, at)).not.toBe(keyOf(a, new Date(at.getTime() + 1000)))
        },
      ),
    )
  })

  it('fnv1a64 equals the BigInt reference on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(fnv1a64(text)).toBe(fnv1a64Reference(new TextEncoder().encode(text)))
      }),
    )
  })
})

describe('timestamp properties', () => {
  it('both KeyCRM formats of one instant normalise to the same ISO string', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999_999 }),
        (date, micros) => {
          const seconds = date.toISOString().slice(0, 19)
          const fraction = String(micros).padStart(6, '0')
          const expected = `${seconds}.${fraction.slice(0, 3)}Z`
          expect(toTimestamp(`${seconds}.${fraction}Z`)).toBe(expected)
          expect(toTimestamp(`${seconds.replace('T', ' ')}.${fraction}`)).toBe(expected)
          expect(toTimestamp(`${seconds.replace('T', ' ')}`)).toBe(`${seconds}.000Z`)
        },
      ),
    )
  })

  it('a KeyCRM-shaped time with any field out of range is refused in both formats', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'))
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 2999 }),
        two(13),
        two(32),
        two(25),
        two(61),
        two(61),
        (year, month, day, hour, minute, second) => {
          const fields = `${year}-${month}-${day}T${hour}:${minute}:${second}`
          const asDate = new Date(`${fields}.000Z`)
          // Date rolls over (April 31st is May 1st): a field is in range when the text survives the trip.
          const valid = !Number.isNaN(asDate.getTime()) && asDate.toISOString() === `${fields}.000Z`
          const keycrm = toTimestamp(`${fields}.123456Z`)
          const mysql = toTimestamp(`${fields.replace('T', ' ')}`)
          if (valid) {
            expect(keycrm).toBe(`${fields}.123Z`)
            expect(mysql).toBe(`${fields}.000Z`)
          } else {
            expect(typeof keycrm).toBe('symbol')
            expect(typeof mysql).toBe('symbol')
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('an offset time gives the instant Date itself reads from the same ISO text', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-02'), max: new Date('2999-12-30'), noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (date, offsetMinutes) => {
          const sign = offsetMinutes < 0 ? '-' : '+'
          const abs = Math.abs(offsetMinutes)
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
          const text = `${date.toISOString().slice(0, 23)}${zone}`
          expect(toTimestamp(text)).toBe(new Date(text).toISOString())
        },
      ),
    )
  })
})
