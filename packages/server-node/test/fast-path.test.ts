import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNotifier, type KeycrmEvent, memoryStore } from '@keygram/core'
import { toNodeHandler } from 'h3/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeygramMetrics, type KeygramMetrics } from '../src/metrics/index.ts'
import { createWebhookHandlers } from '../src/webhook-app.ts'
import { captureLogger } from './helpers/capture-logger.ts'
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts'

const SECRET = 'fast-Path-Secret-0123456789'
const MAX_BYTES = 2048
// The read limit is the larger of the two (a stock webhook may be bigger than an order's).
const STOCK_MAX_BYTES = 8192
const FAILING_ORDER_ID = 999

function order(id: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event: 'order.change_order_status',
    context: { id, status_id: 3, status_changed_at: '2026-01-29T18:53:35.000000Z', ...extra },
  })
}

interface Running {
  url: string
  server: Server
  metrics: KeygramMetrics
  lines: string[]
  /** Requests the fast path took. */
  fast: () => number
}

/** A webhook server: with the fast path in front of h3, or h3 alone (the reference). */
async function start(withFastPath: boolean): Promise<Running> {
  const store = memoryStore()
  const metrics = createKeygramMetrics()
  const { logger, lines } = captureLogger([SECRET])
  const notifier = createNotifier({ store, routes: [{ chatId: '1' }], renderAt: 'send' })
  const { app, fastPath } = createWebhookHandlers({
    secret: SECRET,
    notifier: {
      accept: (event: KeycrmEvent) =>
        event.context.id === FAILING_ORDER_ID
          ? Promise.reject(new Error('SQLITE_BUSY'))
          : notifier.accept(event),
    },
    store,
    worker: null,
    metrics,
    logger,
    maxBodyBytes: MAX_BYTES,
    stock: { alerter: null, maxBodyBytes: STOCK_MAX_BYTES },
  })
  const h3 = toNodeHandler(app)
  let taken = 0
  const server = createServer((req, res) => {
    if (withFastPath && fastPath(req, res)) taken++
    else void h3(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server, metrics, lines, fast: () => taken }
}

interface Answer {
  status: number
  headers: Record<string, string | null>
  body: unknown
}

async function send(base: string, path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${base}${path}`, init)
  const text = await response.text()
  const headers: Record<string, string | null> = {}
  for (const name of ['content-type', 'cache-control', 'connection', 'allow']) {
    headers[name] = response.headers.get(name)
  }
  // keep-alive is node's default either way; only an explicit close is part of the answer.
  if (headers.connection !== 'close') headers.connection = null
  return { status: response.status, headers, body: text === '' ? null : JSON.parse(text) }
}

const json = { 'content-type': 'application/json' }
const path = `/webhooks/keycrm/${SECRET}`

function streamed(bytes: number): RequestInit {
  const chunk = new TextEncoder().encode(`{"event":"x","context":{"pad":"${'a'.repeat(bytes)}"}}`)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(chunk)
      controller.close()
    },
  })
  return { method: 'POST', headers: json, body, duplex: 'half' } as RequestInit
}

/** Requests in order (the duplicate depends on the first), and whether the fast path should take each. */
const cases: { name: string; path: string; init: () => RequestInit; fast: boolean }[] = [
  { name: 'a new order', path, init: () => ({ method: 'POST', headers: json, body: order(1) }), fast: true },
  {
    name: 'its redelivery',
    path,
    init: () => ({ method: 'POST', headers: json, body: order(1) }),
    fast: true,
  },
  {
    name: 'a bad column',
    path,
    init: () => ({ method: 'POST', headers: json, body: order(2, { status_id: 'three' }) }),
    fast: true,
  },
  { name: 'bad JSON', path, init: () => ({ method: 'POST', headers: json, body: '{"event":' }), fast: true },
  {
    name: 'invalid UTF-8',
    path,
    init: () => ({ method: 'POST', headers: json, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    fast: true,
  },
  { name: 'an empty body', path, init: () => ({ method: 'POST', headers: json, body: '' }), fast: true },
  { name: 'a streamed body over the limit', path, init: () => streamed(MAX_BYTES * 2), fast: true },
  {
    name: 'a stock-balance array',
    path,
    init: () => ({
      method: 'POST',
      headers: json,
      body: '[{"offer_id":1,"sku":"A","in_stock":2,"in_reserve":0}]',
    }),
    fast: true,
  },
  {
    name: 'a store failure',
    path,
    init: () => ({ method: 'POST', headers: json, body: order(FAILING_ORDER_ID) }),
    fast: true,
  },
  {
    name: 'no content type',
    path,
    init: () => ({ method: 'POST', body: new Blob([order(3)]) }),
    fast: true,
  },
  {
    name: 'a wrong secret',
    path: '/webhooks/keycrm/wrong-secret-0123456789',
    init: () => ({ method: 'POST', headers: json, body: order(4) }),
    fast: false,
  },
  {
    name: 'the secret in the query',
    path: `/webhooks/keycrm?secret=${SECRET}`,
    init: () => ({ method: 'POST', headers: json, body: order(5) }),
    fast: false,
  },
  {
    name: 'an encoded secret',
    path: `/webhooks/keycrm/${encodeURIComponent(SECRET).replace('-', '%2D')}`,
    init: () => ({ method: 'POST', headers: json, body: order(6) }),
    fast: false,
  },
  {
    name: 'a declared length over the limit',
    path,
    init: () => ({ method: 'POST', headers: json, body: order(7, { pad: 'a'.repeat(MAX_BYTES * 8) }) }),
    fast: false,
  },
  {
    name: 'a non-JSON content type',
    path,
    init: () => ({ method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<order/>' }),
    fast: false,
  },
  { name: 'a GET webhook', path, init: () => ({ method: 'GET' }), fast: false },
]

describe('webhook fast path on node:http', () => {
  let fast: Running
  let reference: Running
  const answers: {
    name: string
    fast: Answer
    reference: Answer
    takenBefore: number
    takenAfter: number
  }[] = []

  beforeAll(async () => {
    fast = await start(true)
    reference = await start(false)
    for (const testCase of cases) {
      const takenBefore = fast.fast()
      const fastAnswer = await send(fast.url, testCase.path, testCase.init())
      const takenAfter = fast.fast()
      answers.push({
        name: testCase.name,
        fast: fastAnswer,
        reference: await send(reference.url, testCase.path, testCase.init()),
        takenBefore,
        takenAfter,
      })
    }
  })
  afterAll(async () => {
    for (const running of [fast, reference]) {
      running?.server.closeAllConnections()
      await new Promise((resolve) => running?.server.close(resolve))
    }
  })

  it.each(cases.map((testCase, index) => [testCase.name, index] as const))(
    'answers %s exactly as the h3 route does',
    (_name, index) => {
      const answer = answers[index]!
      expect(answer.fast).toEqual(answer.reference)
      expect(answer.takenAfter - answer.takenBefore).toBe(cases[index]!.fast ? 1 : 0)
    },
  )

  it('covers the outcomes that matter (so the comparison is not of two identical failures)', () => {
    const statuses = answers.map((answer) => answer.fast.status)
    expect(statuses).toEqual([200, 200, 400, 400, 400, 400, 413, 200, 503, 200, 404, 200, 200, 413, 415, 405])
    expect(answers[0]!.fast.body).toMatchObject({ status: 'queued' })
    expect(answers[1]!.fast.body).toMatchObject({ status: 'duplicate' })
    expect(answers[2]!.fast.body).toMatchObject({ error: 'invalid_context', path: 'context.status_id' })
  })

  it('counts and logs what it took like the h3 route, never logging the secret', async () => {
    const count = async (metrics: KeygramMetrics, name: string, labels: string) =>
      sampleValue(parsePrometheus(await metrics.registry.render()).samples, name, labels)
    const received = (metrics: KeygramMetrics, status: string) =>
      count(metrics, 'keygram_webhooks_received_total', `{status="${status}"}`)
    const rejected = (metrics: KeygramMetrics, reason: string) =>
      count(metrics, 'keygram_webhooks_rejected_total', `{reason="${reason}"}`)
    expect(await received(fast.metrics, 'queued')).toBe(await received(reference.metrics, 'queued'))
    expect(await received(fast.metrics, 'duplicate')).toBe(1)
    for (const reason of [
      'invalid_context',
      'invalid_json',
      'invalid_encoding',
      'empty_body',
      'payload_too_large',
      'store_unavailable',
    ]) {
      expect(await rejected(fast.metrics, reason)).toBeGreaterThan(0)
      expect(await rejected(fast.metrics, reason)).toBe(await rejected(reference.metrics, reason))
    }
    expect(fast.lines.filter((line) => line.includes('refused')).length).toBe(
      reference.lines.filter((line) => line.includes('refused')).length,
    )
    expect(fast.lines.join('\n')).not.toContain(SECRET)
  })

  // Closing while the client still sends makes the kernel reset the connection, and the reset can beat
  // the 413 to the client (it then sees EPIPE): the refusal waits for the rest of the body.
  it.each([
    ['the fast path', 'streamed', () => fast],
    ['the h3 route', 'streamed', () => reference],
    // A declared length over the limit is refused before reading; the fast path leaves it to h3.
    ['the fast path', 'declared', () => fast],
    ['the h3 route', 'declared', () => reference],
  ] as const)(
    '%s answers 413 to a %s body over the limit only once the body has ended',
    async (_name, length, running) => {
      const { url } = running()
      const head = `{"event":"order.change_order_status","context":{"pad":"${'a'.repeat(4 * STOCK_MAX_BYTES)}`
      const tail = '"}}'
      const headers: Record<string, string> =
        length === 'declared' ? { ...json, 'content-length': String(head.length + tail.length) } : json
      const outcome = await new Promise<{ answeredBeforeEnd: boolean; status: number; body: string }>(
        (resolve, reject) => {
          let ended = false
          let answeredBeforeEnd = false
          const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
            answeredBeforeEnd = !ended
            let body = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              body += chunk
            })
            res.on('end', () => resolve({ answeredBeforeEnd, status: res.statusCode ?? 0, body }))
          })
          req.on('error', reject)
          // Over the read limit at once, then a pause in which an early answer would arrive, then the end.
          req.write(head)
          setTimeout(() => {
            ended = true
            req.end(tail)
          }, 300)
        },
      )
      expect(outcome.answeredBeforeEnd).toBe(false)
      expect(outcome.status).toBe(413)
      expect(JSON.parse(outcome.body)).toMatchObject({ error: 'payload_too_large' })
    },
  )
})
