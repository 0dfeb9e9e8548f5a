import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_STOCK_WEBHOOK_BYTES,
  parseStockWebhook,
  parseStockWebhookText,
} from '../../src/stock/index.ts'
import { KeycrmWebhookError } from '../../src/webhook/index.ts'

const sampleText = readFileSync(new URL('../fixtures/stock.balance-webhook.json', import.meta.url), 'utf8')

function failure(run: () => unknown): KeycrmWebhookError {
  try {
    run()
  } catch (error) {
    if (error instanceof KeycrmWebhookError) return error
    throw error
  }
  throw new Error('expected a KeycrmWebhookError')
}

describe('parseStockWebhook', () => {
  it("parses KeyCRM's official sample", () => {
    expect(parseStockWebhookText(sampleText)).toEqual([
      { offer_id: 130827, sku: 'a001-56', in_stock: 16, in_reserve: 3 },
    ])
  })

  it('reads numbers sent as strings, an absent or empty reserve as 0, and an empty SKU as none', () => {
    expect(
      parseStockWebhook([
        { offer_id: '7', sku: 'x-1', in_stock: '12.5', in_reserve: ' 2 ' },
        { offer_id: 8, sku: '', in_stock: 0 },
        { offer_id: 9, sku: 123, in_stock: -1, in_reserve: '', warehouse_id: 4 },
      ]),
    ).toEqual([
      { offer_id: 7, sku: 'x-1', in_stock: 12.5, in_reserve: 2 },
      { offer_id: 8, sku: null, in_stock: 0, in_reserve: 0 },
      { offer_id: 9, sku: '123', in_stock: -1, in_reserve: 0 },
    ])
  })

  it('accepts an empty array', () => {
    expect(parseStockWebhook([])).toEqual([])
  })

  it('names a bad row by its index and field', () => {
    const rows: unknown[] = Array.from({ length: 20 }, (_, index) => ({
      offer_id: index + 1,
      sku: `s-${index}`,
      in_stock: 5,
      in_reserve: 0,
    }))
    rows[12] = { offer_id: 13, sku: 's-12', in_stock: 'lots', in_reserve: 0 }
    const error = failure(() => parseStockWebhook(rows))
    expect(error.code).toBe('invalid_context')
    expect(error.status).toBe(400)
    expect(error.path).toBe('[12].in_stock')
    expect(error.message).toBe('[12].in_stock: expected a number or a numeric string, got "lots"')
  })

  it.each([
    [{ sku: 'a', in_stock: 1 }, '[0].offer_id', 'missing, it is required'],
    [{ offer_id: 0, in_stock: 1 }, '[0].offer_id', 'expected a positive integer or a numeric string, got 0'],
    [{ offer_id: 1, in_stock: null }, '[0].in_stock', 'expected a number or a numeric string, got null'],
    [{ offer_id: 1 }, '[0].in_stock', 'missing, it is required'],
    [
      { offer_id: 1, in_stock: 1, in_reserve: '0x10' },
      '[0].in_reserve',
      'expected a number or a numeric string',
    ],
    [{ offer_id: 1, in_stock: 1, sku: { a: 1 } }, '[0].sku', 'expected a string, got an object'],
    ['row', '[0]', 'expected an object {offer_id, sku, in_stock, in_reserve}, got "row"'],
  ])('refuses the row %j at %s', (row, path, message) => {
    const error = failure(() => parseStockWebhook([row]))
    expect(error.code).toBe('invalid_context')
    expect(error.path).toBe(path)
    expect(error.message).toContain(`${path}: ${message}`)
  })

  it('refuses a body that is not an array, naming an order webhook posted to the stock URL', () => {
    const order = failure(() => parseStockWebhook({ event: 'order.change_order_status', context: { id: 1 } }))
    expect(order.code).toBe('not_an_object')
    expect(order.message).toContain('must be a JSON array')
    expect(order.message).toContain('order or funnel webhook')
    expect(failure(() => parseStockWebhook('[]')).code).toBe('not_an_object')
    expect(failure(() => parseStockWebhook(null)).message).toContain('got null')
  })
})

describe('parseStockWebhookText', () => {
  it('accepts a 10 000-row import under the default limit, and refuses a body over it', () => {
    const rows = Array.from({ length: 10_000 }, (_, index) => ({
      offer_id: 100_000 + index,
      sku: `a001-${index}-black-xxl`,
      in_stock: index % 50,
      in_reserve: index % 3,
    }))
    const pretty = JSON.stringify(rows, null, 2)
    expect(pretty.length).toBeGreaterThan(1_048_576) // more than the order webhook's 1 MiB
    expect(pretty.length).toBeLessThan(DEFAULT_MAX_STOCK_WEBHOOK_BYTES)
    expect(parseStockWebhookText(pretty)).toHaveLength(10_000)

    const error = failure(() => parseStockWebhookText(pretty, { maxBytes: 1_048_576 }))
    expect(error.code).toBe('payload_too_large')
    expect(error.status).toBe(413)
    const huge = `[${'{"offer_id":1,"in_stock":1},'.repeat(160_000)}{"offer_id":1,"in_stock":1}]`
    expect(failure(() => parseStockWebhookText(huge)).code).toBe('payload_too_large')
  })

  it('counts the limit in UTF-8 bytes', () => {
    const text = JSON.stringify([{ offer_id: 1, sku: 'ї'.repeat(40), in_stock: 1 }])
    expect(parseStockWebhookText(text, { maxBytes: text.length + 40 })).toHaveLength(1)
    expect(failure(() => parseStockWebhookText(text, { maxBytes: text.length + 39 })).code).toBe(
      'payload_too_large',
    )
  })

  it('refuses empty and non-JSON bodies with the webhook codes', () => {
    expect(failure(() => parseStockWebhookText('  ')).code).toBe('empty_body')
    const bad = failure(() => parseStockWebhookText('[{"offer_id": 1,'))
    expect(bad.code).toBe('invalid_json')
    expect(bad.status).toBe(400)
  })
})
