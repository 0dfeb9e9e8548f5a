/**
 * Security checks against real `keygram serve` processes (and, where the server's own memory must be
 * inspected, an in-process server): wrong or missing secrets on every route, oversized bodies and headers,
 * slow-loris connections, prototype-pollution keys, control characters and markup in chat titles, and the
 * bot token never showing in a log line, a health answer or an error response.
 */
import { connect } from 'node:net'
import { memoryStore, type OutgoingMessage } from '@keygram/core'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/index.ts'
import { createKeygramServer, DEFAULT_HTTP_TIMEOUTS, type KeygramServer } from '../../src/server.ts'
import { startKeygram } from '../helpers/child.ts'
import { rawRequest, SECRET, type ServeChild, startServe } from './helpers.ts'

const CHAT_ID = '740000001'
const ORDER = (id: number) =>
  JSON.stringify({
    event: 'order.change_order_status',
    context: {
      id,
      status_id: 3,
      status_changed_at: `2026-03-02T10:00:${String(id % 60).padStart(2, '0')}.000000Z`,
    },
  })

/** What a slow client saw: how long until the server closed the connection, and what it answered. */
interface SlowOutcome {
  ms: number
  received: string
}

/**
 * Opens a connection, writes `prefix`, then one byte of `x` every `everyMs` forever (a header value or a
 * body that never ends), and resolves when the server closes the connection. Rejects after `maxMs`: a
 * server without timeouts would hold the connection for good.
 */
function slowClient(baseUrl: string, prefix: string, everyMs: number, maxMs: number): Promise<SlowOutcome> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const started = performance.now()
    let received = ''
    let drip: ReturnType<typeof setInterval> | undefined
    const guard = setTimeout(() => {
      clearInterval(drip)
      socket.destroy()
      reject(new Error(`the server still held the slow connection after ${maxMs} ms`))
    }, maxMs)
    socket.on('connect', () => {
      socket.write(prefix)
      drip = setInterval(() => {
        if (!socket.destroyed) socket.write('x')
      }, everyMs)
    })
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8')
    })
    socket.on('error', () => {}) // a reset is a close too
    socket.on('close', () => {
      clearInterval(drip)
      clearTimeout(guard)
      resolve({ ms: performance.now() - started, received })
    })
  })
}

const slowHeaders = (baseUrl: string) =>
  `POST /webhooks/keycrm/${SECRET} HTTP/1.1\r\nHost: ${new URL(baseUrl).host}\r\nContent-Type: application/json\r\nX-Slow: `
const slowBody = (baseUrl: string) =>
  `POST /webhooks/keycrm/${SECRET} HTTP/1.1\r\nHost: ${new URL(baseUrl).host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"event":"order.change_order_status","context":{"id":1,"manager_comment":"`

/** Every line of `output` is one JSON object: nothing a payload carried could start a forged log line. */
function expectJsonLines(output: string): void {
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue
    expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow()
  }
}

/** Collects the bodies of every HTTP answer, to grep them for secrets at the end. */
function answerLog() {
  const bodies: string[] = []
  return {
    bodies,
    async fetch(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
      const response = await fetch(url, init)
      const text = await response.text()
      bodies.push(`${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${text}`)
      return { status: response.status, text }
    },
  }
}

/** The fake Bot API and the `keygram serve --role all` child polling it, for one describe block. */
interface ServeOnFakeBotApi {
  fake: FakeBotApi
  server: ServeChild
}

/**
 * Registers in the calling describe block a fake Bot API and a `keygram serve --role all` child polling it,
 * with `env` on top of the token, API root and chat id: started before the block's tests and stopped after
 * them. Read `fake` and `server` inside the tests: they are set by the block's `beforeAll`.
 */
function serveAllOnFakeBotApi(env: Record<string, string>): ServeOnFakeBotApi {
  const running: Partial<ServeOnFakeBotApi> = {}
  beforeAll(async () => {
    const fake = await createFakeBotApi({ conflictPacingMs: 200, repeatedOffsetPollMs: 200 })
    running.fake = fake
    running.server = await startServe({
      role: 'all',
      env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, KEYGRAM_CHAT_ID: CHAT_ID, ...env },
    })
  })
  afterAll(async () => {
    await running.server?.cleanup()
    await running.fake?.close()
  })
  return running as ServeOnFakeBotApi
}

describe('security: keygram serve --role all (grammY) against the fake Bot API', () => {
  const running = serveAllOnFakeBotApi({ KEYGRAM_MAX_BODY_BYTES: '65536' })
  const answers = answerLog()

  it('refuses a missing (401) or wrong (404) secret in every form, method and route; nothing is queued', async () => {
    const base = running.server.webhookUrl!
    const near = `${SECRET.slice(0, -1)}${SECRET.endsWith('0') ? '1' : '0'}`
    const missing = [
      '/webhooks/keycrm',
      '/webhooks/keycrm/',
      '/webhooks/keycrm?secret=',
      '/webhooks/keycrm//',
    ]
    const wrong = [
      `/webhooks/keycrm/${near}`,
      `/webhooks/keycrm/${SECRET.slice(0, -1)}`,
      `/webhooks/keycrm/${SECRET}x`,
      `/webhooks/keycrm/${SECRET.toUpperCase()}`,
      `/webhooks/keycrm/${SECRET}/wrong`,
      `/webhooks/keycrm/%00${SECRET}`,
      `/webhooks/keycrm?secret=${near}`,
      `/webhooks/keycrm/wrong?secret=${SECRET}`, // the path segment wins: no guessing through the query
      `/webhooks/keycrm/${'a'.repeat(4000)}`,
    ]
    for (const method of ['POST', 'GET', 'PUT', 'DELETE', 'PATCH']) {
      const init = (extra: Record<string, string> = {}) => ({
        method,
        headers: { 'content-type': 'application/json', ...extra },
        ...(method === 'GET' ? {} : { body: ORDER(1) }),
      })
      for (const path of missing) {
        const answer = await answers.fetch(`${base}${path}`, init())
        expect(answer.status, `${method} ${path}`).toBe(401)
        expect(JSON.parse(answer.text).error).toBe('missing_secret')
      }
      for (const path of wrong) {
        const answer = await answers.fetch(`${base}${path}`, init())
        expect(answer.status, `${method} ${path}`).toBe(404)
        expect(JSON.parse(answer.text).error).toBe('wrong_secret')
      }
      const header = await answers.fetch(`${base}/webhooks/keycrm`, init({ 'x-keygram-secret': near }))
      expect(header.status, `${method} with a wrong x-keygram-secret`).toBe(404)
    }
    // The bot port has no webhook endpoint at all.
    const onBotPort = await answers.fetch(`${running.server.botUrl}/webhooks/keycrm/${SECRET}`, {
      method: 'POST',
      body: ORDER(1),
    })
    expect(onBotPort.status).toBe(404)

    const metrics = await answers.fetch(`${base}/metrics`)
    expect(metrics.text).not.toMatch(/keygram_webhooks_received_total\{[^}]*\} [1-9]/)
    expect(metrics.text).toMatch(/keygram_webhooks_rejected_total\{reason="wrong_secret"\} [1-9]/)
    expect(running.fake.sent.filter((message) => String(message.chat_id) === CHAT_ID)).toEqual([])
    // The right secret in each form is accepted: the refusals above were about the secret.
    for (const [path, headers] of [
      [`/webhooks/keycrm/${SECRET}`, {}],
      [`/webhooks/keycrm?secret=${SECRET}`, {}],
      ['/webhooks/keycrm', { 'x-keygram-secret': SECRET }],
    ] as const) {
      const answer = await answers.fetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: ORDER(path.length),
      })
      expect(answer.status, path).toBe(200)
    }
    // Health and metrics are public by design (probes and scrapers carry no secret) and tell nothing secret.
    for (const url of [
      `${base}/healthz`,
      `${base}/readyz`,
      `${running.server.botUrl}/healthz`,
      `${running.server.botUrl}/metrics`,
    ]) {
      expect((await answers.fetch(url)).status, url).toBe(200)
    }
  })

  it('refuses oversized bodies (413) and headers (431) and lives on', async () => {
    const endpoint = `${running.server.webhookUrl}/webhooks/keycrm/${SECRET}`
    const big = `{"event":"order.change_order_status","context":{"id":7,"manager_comment":"${'x'.repeat(70_000)}"}}`
    const declared = await rawRequest(endpoint, {
      headers: { 'content-type': 'application/json' },
      body: big,
    })
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body).error).toBe('payload_too_large')
    // A lying content-length: declared small, the rest arrives as garbage for the next request.
    const lying = await rawRequest(endpoint, {
      headers: { 'content-type': 'application/json', 'content-length': '10' },
      body: ORDER(8),
    }).catch((error: Error) => ({ status: 0, body: error.message, headers: {} }))
    expect(lying.status === 0 || (lying.status >= 400 && lying.status < 500)).toBe(true)
    const headers = await rawRequest(endpoint, {
      headers: { 'content-type': 'application/json', 'x-filler': 'y'.repeat(64 * 1024) },
      body: ORDER(9),
    }).catch((error: Error) => ({ status: 0, body: error.message, headers: {} }))
    // Node answers 431 to an oversized header block, or resets the connection mid-send; never 2xx.
    expect(headers.status === 431 || headers.status === 0).toBe(true)
    expect((await answers.fetch(`${running.server.webhookUrl}/healthz`)).status).toBe(200)
    expect(running.server.child.process.exitCode).toBeNull()
  })

  it('closes a slow-loris connection at the default headers timeout, serving others meanwhile', {
    timeout: 30_000,
  }, async () => {
    const base = running.server.webhookUrl!
    const slow = Array.from({ length: 20 }, () => slowClient(base, slowHeaders(base), 200, 20_000))
    // Twenty stalled connections do not stop a real webhook from being taken at once.
    const started = performance.now()
    const answer = await answers.fetch(`${base}/webhooks/keycrm/${SECRET}`, {
      method: 'POST',
      body: ORDER(11),
    })
    expect(answer.status).toBe(200)
    expect(performance.now() - started).toBeLessThan(2000)
    const outcomes = await Promise.all(slow)
    const limit = DEFAULT_HTTP_TIMEOUTS.headersMs + DEFAULT_HTTP_TIMEOUTS.checkIntervalMs
    console.info(
      `[security] slow headers closed after ${Math.min(...outcomes.map((o) => o.ms)).toFixed(0)}..${Math.max(...outcomes.map((o) => o.ms)).toFixed(0)} ms (headers timeout ${DEFAULT_HTTP_TIMEOUTS.headersMs} ms)`,
    )
    for (const outcome of outcomes) {
      expect(outcome.ms).toBeGreaterThan(DEFAULT_HTTP_TIMEOUTS.headersMs - 500)
      expect(outcome.ms).toBeLessThan(limit + 1500)
      expect(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408')).toBe(true)
    }
    expect((await answers.fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('shows a chat title with CR/LF, markup and bidi characters as one escaped line; logs stay JSON lines', async () => {
    await expect
      .poll(async () => JSON.parse((await answers.fetch(`${running.server.botUrl}/healthz`)).text).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    const title = 'Shop\r\nChat ID: 666\r\n<b>bold</b> & <script>alert(1)</script>\u202eevil\u2028line'
    const before = running.fake.sent.length
    running.fake.pushMessage({ chat: { id: -1_001_555_000_001, type: 'supergroup', title }, text: '/chatid' })
    await expect.poll(() => running.fake.sent.length, { timeout: 20_000 }).toBeGreaterThan(before)
    const reply = running.fake.sent.find((message) => String(message.chat_id) === '-1001555000001')!
    expect(reply).toBeDefined()
    // The fake parses HTML as strictly as Telegram: the reply reached it, so its markup was valid.
    expect(reply.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(reply.text).not.toContain('<script>')
    expect(reply.plain_text).toContain('Shop Chat ID: 666 <b>bold</b> & <script>alert(1)</script> evil line')
    const lines = reply.plain_text.split('\n')
    expect(lines.some((line) => line.trimStart().startsWith('Chat ID: 666'))).toBe(false)
    expect(reply.plain_text).not.toMatch(/[\r\u202e\u2028]/)
    expectJsonLines(running.server.child.stdout())
    expectJsonLines(running.server.child.stderr())
    // A webhook cannot smuggle a header into the answer either: control characters in the event are refused.
    const injected = await rawRequest(`${running.server.webhookUrl}/webhooks/keycrm/${SECRET}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'order.x\r\nX-Injected: 1', context: { id: 1 } }),
    })
    expect(injected.status).toBe(400)
    expect(injected.headers['x-injected']).toBeUndefined()
  })

  it('never shows the bot token or the secret: Bot API failures, health answers and error responses', {
    timeout: 60_000,
  }, async () => {
    await tokenNeverLeaks(running, answers)
  })
})

/**
 * Makes the Bot API fail in every way the fake can (dropped connections, HTML 502 pages, 401, 500, 429) for
 * both the poller and the delivery worker, waits until the server has logged them, then greps its whole
 * output and every HTTP answer for the token, its secret half and the webhook secret.
 */
async function tokenNeverLeaks({ fake, server }: ServeOnFakeBotApi, answers: ReturnType<typeof answerLog>) {
  const failuresBefore = fake.calls.filter((call) => call.status !== 200 && call.status !== null).length
  fake.fail('getUpdates', { kind: 'drop_connection', times: 1 })
  fake.fail('getUpdates', { status: 502, body: 'html', times: 1 })
  fake.fail('getUpdates', { status: 500, times: 1 })
  fake.fail('sendMessage', { kind: 'drop_connection', times: 1 })
  fake.fail('sendMessage', { status: 502, body: 'html', times: 1 })
  fake.fail('sendMessage', { status: 401, description: 'Unauthorized', times: 1 })
  fake.fail('sendMessage', { status: 429, retryAfter: 1, times: 1 })
  // The poll in flight was asked before the faults: end it with an update, so the next ones meet them.
  fake.pushMessage({ chat: Number(CHAT_ID), text: 'hello' })
  const sentBefore = fake.sent.length
  const answer = await answers.fetch(`${server.webhookUrl}/webhooks/keycrm/${SECRET}`, {
    method: 'POST',
    body: ORDER(4242),
  })
  expect(answer.status).toBe(200)
  // Delivered in the end, through every failure.
  await expect
    .poll(() => fake.sent.length - sentBefore, { timeout: 45_000, interval: 250 })
    .toBeGreaterThan(0)
  await expect
    .poll(
      () => fake.calls.filter((call) => call.status !== 200 && call.status !== null).length - failuresBefore,
      {
        timeout: 20_000,
      },
    )
    .toBeGreaterThanOrEqual(6)
  await expect.poll(() => server.output(), { timeout: 10_000 }).toMatch(/retrying|polling:.*(error|fail)/i)
  for (const url of [
    `${server.botUrl}/healthz`,
    `${server.botUrl}/metrics`,
    `${server.webhookUrl}/metrics`,
    `${server.webhookUrl}/readyz`,
    `${server.webhookUrl}/nope`,
  ]) {
    await answers.fetch(url)
  }
  // A CLI run with the same secrets prints nothing secret either.
  const doctor = startKeygram(
    ['doctor'],
    {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      KEYGRAM_STORE: 'memory:',
    },
    server.dir,
  )
  await doctor.exited
  const doctorOutput = doctor.stdout() + doctor.stderr()
  expect(doctorOutput.length).toBeGreaterThan(0)

  // The failures did reach the log with the request URL, which carries the token: redacted there.
  expect(server.output()).toMatch(/\/bot[^/\s"]*\[redacted\]/i)
  const everything = [server.output(), doctorOutput, ...answers.bodies].join('\n')
  const tokenSecretHalf = fake.token.split(':')[1]!
  for (const secret of [fake.token, tokenSecretHalf, encodeURIComponent(fake.token), SECRET]) {
    expect(everything.includes(secret), `found ${secret.slice(0, 4)}… in the output`).toBe(false)
  }
  expectJsonLines(server.child.stdout())
}

describe('security: keygram serve --role all (Telegraf): the token never leaks through Bot API failures', () => {
  const running = serveAllOnFakeBotApi({ KEYGRAM_BOT_FRAMEWORK: 'telegraf' })
  const answers = answerLog()

  it('logs, health answers and error responses carry neither the token nor the secret', {
    timeout: 60_000,
  }, async () => {
    await expect
      .poll(async () => JSON.parse((await answers.fetch(`${running.server.botUrl}/healthz`)).text).state, {
        timeout: 30_000,
      })
      .toBe('polling')
    await tokenNeverLeaks(running, answers)
  })
})

describe('security: in-process webhook server', () => {
  const sent: OutgoingMessage[] = []
  let server: KeygramServer
  let base: string

  beforeAll(async () => {
    const config = resolveConfig(undefined, {
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      KEYGRAM_STORE: 'memory:',
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: CHAT_ID,
      LOG_LEVEL: 'silent',
    })
    server = createKeygramServer(config, {
      role: 'webhook',
      store: memoryStore(),
      httpTimeouts: { headersMs: 600, requestMs: 1200, checkIntervalMs: 100 },
      transport: {
        sendMessage: async (_target, message) => {
          sent.push(message)
          return { ok: true, messageId: sent.length }
        },
      },
    })
    base = (await server.start()).webhook!
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('cuts slow headers at headersMs and a slow body at requestMs with 408, and keeps serving', async () => {
    const [headers, body] = await Promise.all([
      slowClient(base, slowHeaders(base), 50, 10_000),
      slowClient(base, slowBody(base), 50, 10_000),
    ])
    console.info(
      `[security] in process: slow headers cut after ${headers.ms.toFixed(0)} ms, slow body after ${body.ms.toFixed(0)} ms`,
    )
    expect(headers.ms).toBeGreaterThan(500)
    expect(headers.ms).toBeLessThan(600 + 100 + 700)
    expect(body.ms).toBeGreaterThan(1100)
    expect(body.ms).toBeLessThan(1200 + 100 + 700)
    for (const outcome of [headers, body]) {
      expect(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408')).toBe(true)
    }
    // Nothing from the cut-off body was queued; the server still takes a whole webhook.
    const answer = await fetch(`${base}/webhooks/keycrm/${SECRET}`, { method: 'POST', body: ORDER(21) })
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { status: string }).status).toBe('queued')
  })

  // The legitimate field is one a live card shows (the shop's own number); the injected ones must not show.
  it('drops prototype-pollution keys: accepted, Object.prototype untouched, nothing of them in the message', async () => {
    const before = sent.length
    const bodies = [
      `{"__proto__":{"polluted":"top"},"event":"order.change_order_status","context":{"id":31,"status_id":4,"__proto__":{"polluted":"ctx","manager_comment":"INJECTED-1"},"constructor":{"prototype":{"polluted":"ctor"}},"source_uuid":"fine"}}`,
      `{"event":"shop.custom_event","context":{"id":32,"__proto__":{"polluted":"unknown","shown":"INJECTED-2"},"prototype":{"x":"INJECTED-3"},"visible":"kept"}}`,
      `{"event":"lead.change_lead_status","context":{"id":33,"title":"Lead","nested":{"__proto__":{"polluted":"deep"},"a":{"constructor":{"prototype":{"polluted":"deeper"}}}}}}`,
    ]
    for (const body of bodies) {
      const answer = await fetch(`${base}/webhooks/keycrm/${SECRET}`, { method: 'POST', body })
      expect(answer.status, body).toBe(200)
    }
    await expect.poll(() => sent.length - before, { timeout: 10_000 }).toBe(bodies.length)
    const probe: Record<string, unknown> = {}
    expect(probe.polluted).toBeUndefined()
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
    expect(Object.hasOwn(Object.prototype, 'manager_comment')).toBe(false)
    expect(Object.hasOwn(Object.prototype, 'shown')).toBe(false)
    const texts = sent.slice(before).map((message) => message.text)
    expect(texts.join('\n')).not.toMatch(/INJECTED|polluted/)
    expect(texts.join('\n')).toContain('fine')
    expect(texts.join('\n')).toContain('kept')
  })
})
