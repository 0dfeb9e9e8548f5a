/**
 * KeyCRM enrichment and digests wired into the server: an in-process server (webhook role, memory store)
 * against the fake KeyCRM API and the fake Telegram Bot API, over real HTTP on 127.0.0.1.
 */
import { createFakeBotApi, createFakeKeycrmApi, type FakeBotApi, type FakeKeycrmApi } from '@keygram/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, type EnvRecord, resolveConfig } from '../src/config/index.ts'
import { createKeygramServer, type KeygramServer } from '../src/server.ts'
import { captureLogger } from './helpers/capture-logger.ts'

const SECRET = 'enrich-digest-secret-0123456789'
const CHAT_ID = '700000101'
const OTHER_CHAT_ID = '700000202'

let bot: FakeBotApi
let keycrm: FakeKeycrmApi
let server: KeygramServer | undefined
// No secrets handed to the capturing logger: only the server's own redaction stands between a key and a line.
let log = captureLogger([])

beforeAll(async () => {
  bot = await createFakeBotApi()
  keycrm = await createFakeKeycrmApi({ rateLimit: false })
})
afterAll(async () => {
  await bot?.close()
  await keycrm?.close()
})
afterEach(async () => {
  await server?.stop()
  server = undefined
  keycrm.clearFaults()
  bot.clear()
  // The API key must not reach any log line of any test.
  expect(log.lines.join('\n')).not.toContain(keycrm.apiKey)
  log = captureLogger([])
})

function envOf(extra: EnvRecord = {}): EnvRecord {
  return {
    TELEGRAM_BOT_TOKEN: bot.token,
    TELEGRAM_API_ROOT: bot.url,
    KEYGRAM_WEBHOOK_SECRET: SECRET,
    KEYCRM_API_KEY: keycrm.apiKey,
    KEYCRM_API_URL: keycrm.url,
    KEYGRAM_LOCALE: 'en',
    KEYGRAM_STORE: 'memory:',
    KEYGRAM_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    ...extra,
  }
}

async function startServer(fileConfig: unknown, extra: EnvRecord = {}): Promise<string> {
  const config = resolveConfig(fileConfig, envOf(extra))
  server = createKeygramServer(config, { role: 'webhook', logger: log.logger })
  const { webhook } = await server.start()
  return webhook!
}

/** Posts an order status change; resolves with the status and how long the answer took. */
async function postOrder(url: string, id: number, statusId: number) {
  const started = performance.now()
  const response = await fetch(`${url}/webhooks/keycrm/${SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event: 'order.change_order_status',
      context: {
        id,
        status_id: statusId,
        grand_total: 1450,
        status_changed_at: new Date().toISOString(),
        created_at: new Date().toISOString(),
      },
    }),
  })
  await response.body?.cancel()
  return { status: response.status, ms: performance.now() - started }
}

const textsTo = (chatId: string) =>
  bot.sent.filter((message) => String(message.chat_id) === chatId).map((message) => message.text)

describe('enrichment at send time', () => {
  it('delivers an order webhook with the buyer, the products and the status name from KeyCRM', async () => {
    const url = await startServer(undefined, { KEYGRAM_CHAT_ID: CHAT_ID })
    expect((await postOrder(url, 67526, 24)).status).toBe(200)
    await expect.poll(() => textsTo(CHAT_ID).length, { timeout: 10_000 }).toBe(1)
    const text = textsTo(CHAT_ID)[0]!
    expect(text).toContain('Олена Кравченко')
    expect(text).toContain("Кіт батон 50 см м'яка іграшка")
    expect(text).toContain('Подушка-обіймашка')
    expect(text).toContain('Передано на збирання')
    expect(text).not.toContain('Not enriched')
    // Asked with the key, through the one client.
    const orderCalls = keycrm.requests.filter((request) => request.path.startsWith('/order/67526'))
    expect(orderCalls.length).toBeGreaterThan(0)
    expect(orderCalls.every((request) => request.authorized)).toBe(true)
    expect(log.lines.some((line) => line.includes('KeyCRM enrichment on'))).toBe(true)
  })

  it('with KeyCRM slow or down, acknowledges at once and still delivers, saying it is not enriched', async () => {
    const url = await startServer(undefined, { KEYGRAM_CHAT_ID: CHAT_ID, KEYCRM_BUDGET_MS: '800' })
    keycrm.fault({ kind: 'slow', delayMs: 10_000 })
    const slow = await postOrder(url, 67526, 24)
    expect(slow.status).toBe(200)
    // The webhook answers without waiting for the 800 ms budget, let alone KeyCRM's 10 s.
    expect(slow.ms).toBeLessThan(400)
    await expect.poll(() => textsTo(CHAT_ID).length, { timeout: 10_000 }).toBe(1)
    expect(textsTo(CHAT_ID)[0]).toContain('Not enriched (the KeyCRM API did not answer in time)')
    expect(textsTo(CHAT_ID)[0]).toContain('67526')

    keycrm.clearFaults()
    keycrm.fault({ kind: 'down' })
    const down = await postOrder(url, 67527, 24)
    expect(down.status).toBe(200)
    expect(down.ms).toBeLessThan(400)
    await expect.poll(() => textsTo(CHAT_ID).length, { timeout: 10_000 }).toBe(2)
    expect(textsTo(CHAT_ID)[1]).toMatch(
      /Not enriched \(the KeyCRM API (is unavailable|did not answer in time)\)/,
    )
    expect(textsTo(CHAT_ID)[1]).toContain('67527')
  })
})

describe('status names in routes', () => {
  it('loads the status list at start and routes by status name', async () => {
    const url = await startServer({
      routes: [
        { chatId: CHAT_ID, statusNames: ['Передано на збирання'] },
        { chatId: OTHER_CHAT_ID, statusNames: ['canceled'] },
      ],
    })
    expect((await postOrder(url, 67526, 24)).status).toBe(200)
    expect((await postOrder(url, 67528, 19)).status).toBe(200)
    await expect.poll(() => bot.sent.length, { timeout: 10_000 }).toBe(2)
    expect(textsTo(CHAT_ID)).toHaveLength(1)
    expect(textsTo(CHAT_ID)[0]).toContain('67526')
    expect(textsTo(OTHER_CHAT_ID)).toHaveLength(1)
    expect(textsTo(OTHER_CHAT_ID)[0]).toContain('67528')
  })

  it('fails at start on a name KeyCRM does not know, or when the list cannot be loaded', async () => {
    await expect(startServer({ routes: [{ chatId: CHAT_ID, statusNames: ['Nope'] }] })).rejects.toThrow(
      /routes\[0\]\.statusNames\[0\]: no KeyCRM status is named "Nope"/,
    )
    keycrm.fault({ kind: 'server_error', status: 503 })
    const failure = startServer({ routes: [{ chatId: CHAT_ID, statusNames: ['canceled'] }] })
    await expect(failure).rejects.toThrow(
      /routes use statusNames, but KeyCRM's status list could not be loaded/,
    )
    await expect(failure).rejects.not.toThrow(keycrm.apiKey)
  })

  it('without an API key, the config is refused with a clear message', () => {
    const problems = problemsOf(() =>
      resolveConfig(
        { routes: [{ chatId: CHAT_ID, statusNames: ['canceled'] }] },
        envOf({ KEYCRM_API_KEY: undefined }),
      ),
    )
    expect(problems).toEqual([
      "keygram.config: routes[0].statusNames: status names need KeyCRM's status list; set KEYCRM_API_KEY or use statusIds",
    ])
  })
})

describe('digests', () => {
  it('runs on schedule from the config and on demand, and the digest arrives', async () => {
    // Every second: on start the run for the second just passed catches up (yesterday's digest), later
    // runs of the same day are the same digest and are not sent again.
    const url = await startServer(
      {
        digests: [
          { chatId: OTHER_CHAT_ID, cron: '* * * * * *', timeZone: 'UTC', locale: 'en', currency: 'EUR' },
        ],
      },
      { KEYGRAM_CHAT_ID: CHAT_ID },
    )
    await expect.poll(() => textsTo(OTHER_CHAT_ID).length, { timeout: 10_000 }).toBe(1)
    expect(textsTo(OTHER_CHAT_ID)[0]).toMatch(/^📊 <b>Summary for /)

    expect((await postOrder(url, 67529, 1)).status).toBe(200)
    await expect.poll(() => textsTo(CHAT_ID).length, { timeout: 10_000 }).toBe(1)
    // Today's digest, as if it were tomorrow's run: the new order counts, in the digest's currency.
    const result = await server!.digests()!.runNow(0, Date.now() + 86_400_000)
    expect(result).toMatchObject({ status: 'queued', chatId: OTHER_CHAT_ID })
    expect(result.stats.newOrders).toBe(1)
    await expect.poll(() => textsTo(OTHER_CHAT_ID).length, { timeout: 10_000 }).toBe(2)
    expect(textsTo(OTHER_CHAT_ID)[1]).toContain('New orders: <b>1</b>')
    expect(textsTo(OTHER_CHAT_ID)[1]).toContain('€')
    // A second later the every-second schedule has run again, adding nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(textsTo(OTHER_CHAT_ID)).toHaveLength(2)
  })

  it('is stopped with the server', async () => {
    await startServer({ digests: [{ chatId: OTHER_CHAT_ID, cron: '* * * * * *', timeZone: 'UTC' }] })
    expect(server!.digests()?.nextRun(0)).toBeGreaterThan(Date.now())
    const runs = () => log.lines.filter((line) => line.includes('digest for chat')).length
    await expect.poll(runs, { timeout: 5_000 }).toBeGreaterThan(1)
    await server!.stop()
    const atStop = runs()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(runs()).toBe(atStop)
  })

  it('refuses an invalid digest config at start, naming each field', () => {
    const problems = problemsOf(() =>
      resolveConfig(
        {
          digests: [
            { chatId: 'not a chat', cron: 'every morning', timeZone: 'Mars/Olympus', locale: 'de' },
            { chatId: CHAT_ID, currency: 'euros', extra: true },
          ],
        },
        envOf(),
      ),
    )
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^keygram\.config: digests\[1\]: unknown option "extra"; valid options: chatId, /,
        ),
      ]),
    )
    expect(problems).toContain(
      'keygram.config: digests[1].currency must be an ISO 4217 currency code such as UAH, EUR or USD',
    )
    expect(problemsOf(() => resolveConfig({ digests: [{ chatId: 'x', cron: 'nope' }] }, envOf()))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^keygram\.config: digests\[0\]\.chatId: /),
        expect.stringMatching(/^keygram\.config: digests\[0\]\.cron: /),
      ]),
    )
    expect(
      problemsOf(() => resolveConfig({ digests: [{ chatId: CHAT_ID, timeZone: 'Mars/Olympus' }] }, envOf())),
    ).toEqual(['keygram.config: digests[0].timeZone: unknown time zone "Mars/Olympus"'])
    expect(problemsOf(() => resolveConfig({ digests: { chatId: CHAT_ID } }, envOf()))).toEqual([
      'keygram.config: digests must be a list of { chatId, cron, timeZone, locale, currency }',
    ])
  })

  it('fills time zone, locale and currency from the notifications', () => {
    const config = resolveConfig(
      { digests: [{ chatId: CHAT_ID }] },
      envOf({ KEYGRAM_TIME_ZONE: 'Europe/Warsaw', KEYGRAM_CURRENCY: 'pln' }),
    )
    expect(config.digests).toEqual([
      { chatId: CHAT_ID, timeZone: 'Europe/Warsaw', locale: 'en', currency: 'PLN' },
    ])
    expect(config.keycrm).toMatchObject({ apiUrl: keycrm.url, budgetMs: 3000 })
  })
})

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}
