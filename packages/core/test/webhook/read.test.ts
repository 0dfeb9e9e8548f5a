import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_WEBHOOK_BYTES, parseWebhookText, readWebhook } from '../../src/webhook/index.ts'
import { asyncWebhookErrorOf, body, fixtureText, webhookErrorOf } from './helpers.ts'

const URL_WITH_SECRET = 'http://127.0.0.1/webhooks/keycrm/s3cr3t-value'

function post(payload: BodyInit | null, headers: Record<string, string> = {}, method = 'POST'): Request {
  return new Request(URL_WITH_SECRET, { method, body: payload, headers })
}

/**
 * A body stream of `chunkSize`-byte chunks, counting what it gave. "Endless" for the reader under test:
 * it ends after 16 MiB only so that a broken limit fails the test instead of exhausting the heap.
 */
function endlessBody(chunkSize: number) {
  const state = { pulled: 0, cancelled: false }
  const chunk = new TextEncoder().encode('a'.repeat(chunkSize))
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= 16 * 1024 * 1024) return controller.close()
      state.pulled += chunk.byteLength
      controller.enqueue(chunk)
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { stream, state }
}

function streamed(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request(URL_WITH_SECRET, {
    method: 'POST',
    body: stream,
    headers,
    duplex: 'half',
  } as RequestInit)
}

describe('readWebhook', () => {
  it('reads the production fixture with application/json', async () => {
    const event = await readWebhook(
      post(fixtureText('order.change_order_status.production-abbreviated.json'), {
        'content-type': 'application/json; charset=utf-8',
      }),
    )
    expect(event.kind).toBe('order_status')
  })

  it.each([
    ['text/json'],
    ['application/vnd.keycrm+json'],
    ['APPLICATION/JSON'],
    ['text/plain;charset=UTF-8'],
  ])('accepts content-type %s', async (type) => {
    const event = await readWebhook(post(body('x.y', { id: 1 }), { 'content-type': type }))
    expect(event.kind).toBe('unknown')
  })

  it('accepts a request without a content-type (KeyCRM may omit it)', async () => {
    // A Uint8Array body gets no default content-type, unlike a string body.
    const request = post(new TextEncoder().encode(body('x.y', { id: 1 })))
    expect(request.headers.get('content-type')).toBeNull()
    expect((await readWebhook(request)).event).toBe('x.y')
  })

  it('skips a UTF-8 byte order mark', async () => {
    const bytes = new TextEncoder().encode(`\uFEFF${body('x.y', { id: 1 })}`)
    expect(bytes[0]).toBe(0xef)
    expect((await readWebhook(post(bytes))).event).toBe('x.y')
  })

  it('refuses GET with a message telling the user to pick POST in the trigger', async () => {
    const error = await asyncWebhookErrorOf(readWebhook(post(null, {}, 'GET')))
    expect(error.code).toBe('method_not_allowed')
    expect(error.status).toBe(405)
    expect(error.message).toMatch(/choose the POST method/)
    expect(error.message).toMatch(/trigger/)
    // The URL carries the secret: it must not appear in what gets logged.
    expect(error.message).not.toMatch(/s3cr3t/)
    expect(JSON.stringify(error.toJSON())).not.toMatch(/s3cr3t/)
  })

  it('refuses other methods', async () => {
    const error = await asyncWebhookErrorOf(readWebhook(post('{}', {}, 'PUT')))
    expect(error.code).toBe('method_not_allowed')
    expect(error.message).toMatch(/POST/)
  })

  it.each([
    ['multipart/form-data; boundary=x'],
    ['application/x-www-form-urlencoded'],
    ['application/xml'],
    ['text/html'],
  ])('refuses content-type %s with 415', async (type) => {
    const error = await asyncWebhookErrorOf(readWebhook(post(body('x', {}), { 'content-type': type })))
    expect(error.code).toBe('unsupported_media_type')
    expect(error.status).toBe(415)
  })

  it('refuses an empty body', async () => {
    expect((await asyncWebhookErrorOf(readWebhook(post(null)))).code).toBe('empty_body')
    expect((await asyncWebhookErrorOf(readWebhook(post('')))).code).toBe('empty_body')
  })

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"event": "x", "context": {"a": "'),
      0xff,
      0xfe,
      0x22,
      0x7d,
      0x7d,
    ])
    const error = await asyncWebhookErrorOf(readWebhook(post(bytes)))
    expect(error.code).toBe('invalid_encoding')
    expect(error.status).toBe(400)
  })

  it('refuses a declared content-length over the limit without reading the body', async () => {
    const { stream, state } = endlessBody(1024)
    const error = await asyncWebhookErrorOf(
      readWebhook(streamed(stream, { 'content-length': String(DEFAULT_MAX_WEBHOOK_BYTES + 1) })),
    )
    expect(error.code).toBe('payload_too_large')
    expect(error.status).toBe(413)
    await Promise.resolve()
    expect(state.cancelled).toBe(true)
    // Only what the stream pre-buffers on creation, never the body.
    expect(state.pulled).toBeLessThanOrEqual(1024)
  })

  it('stops an endless body without content-length right after the limit and cancels it', async () => {
    const { stream, state } = endlessBody(64 * 1024)
    const error = await asyncWebhookErrorOf(readWebhook(streamed(stream), { maxBytes: 1_000_000 }))
    expect(error.code).toBe('payload_too_large')
    expect(state.cancelled).toBe(true)
    // At most one chunk past the limit (plus one queued ahead by the stream) was ever produced.
    expect(state.pulled).toBeLessThanOrEqual(1_000_000 + 2 * 64 * 1024)
  })

  it('counts the stream even when content-length lies', async () => {
    const { stream, state } = endlessBody(4096)
    const error = await asyncWebhookErrorOf(
      readWebhook(streamed(stream, { 'content-length': '10' }), { maxBytes: 10_000 }),
    )
    expect(error.code).toBe('payload_too_large')
    expect(state.cancelled).toBe(true)
  })

  it('accepts a body of exactly maxBytes and refuses one byte more', async () => {
    const base = body('x.y', { c: '' })
    const exact = body('x.y', { c: 'a'.repeat(1000 - base.length) })
    expect(new TextEncoder().encode(exact).byteLength).toBe(1000)
    expect((await readWebhook(post(exact), { maxBytes: 1000 })).event).toBe('x.y')
    const over = body('x.y', { c: 'a'.repeat(1001 - base.length) })
    expect((await asyncWebhookErrorOf(readWebhook(post(over), { maxBytes: 1000 }))).code).toBe(
      'payload_too_large',
    )
  })

  it('applies the limit to bytes, not characters (multi-byte text and emoji)', async () => {
    const base = body('x.y', { c: '' })
    // 'є' is 2 bytes, '🎁' is 4 bytes (2 UTF-16 units): 300 characters, 900 bytes of content.
    const text = body('x.y', { c: 'є🎁'.repeat(150) })
    expect(text.length).toBe(base.length + 450)
    const bytes = new TextEncoder().encode(text).byteLength
    expect(bytes).toBe(base.length + 900)
    expect((await readWebhook(post(text), { maxBytes: bytes })).event).toBe('x.y')
    const error = await asyncWebhookErrorOf(readWebhook(post(text), { maxBytes: bytes - 1 }))
    expect(error.code).toBe('payload_too_large')
    // parseWebhookText counts the same way.
    expect(parseWebhookText(text, { maxBytes: bytes }).event).toBe('x.y')
    expect(webhookErrorOf(() => parseWebhookText(text, { maxBytes: bytes - 1 })).code).toBe(
      'payload_too_large',
    )
  })

  it('parses a 1 MiB-limit body of emoji and RTL text within the default limit', async () => {
    const base = body('order.change_order_status', { id: 1, manager_comment: '' })
    const unit = 'שלום 🎉 '
    const unitBytes = new TextEncoder().encode(unit).byteLength
    const comment = unit.repeat(Math.floor((DEFAULT_MAX_WEBHOOK_BYTES - base.length) / unitBytes))
    const text = body('order.change_order_status', { id: 1, manager_comment: comment })
    expect(new TextEncoder().encode(text).byteLength).toBeLessThanOrEqual(DEFAULT_MAX_WEBHOOK_BYTES)
    const event = await readWebhook(post(text, { 'content-type': 'application/json' }))
    if (event.kind !== 'order_status') throw new Error(event.kind)
    expect(event.context.manager_comment).toBe(comment)
  })

  it('rejects an invalid maxBytes option as a programming error', async () => {
    await expect(readWebhook(post('{}'), { maxBytes: 0 })).rejects.toThrow(RangeError)
    expect(() => parseWebhookText('{}', { maxBytes: 1.5 })).toThrow(RangeError)
  })
})
