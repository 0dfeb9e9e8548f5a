import { describe, expect, it } from 'vitest'
import { createBotApp, type PollingStatusLike, pollingHealth } from '../src/bot-app.ts'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts'

const NOW = 1_800_000_000_000
const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'

describe('pollingHealth', () => {
  it.each([
    ['polling', 0, true],
    ['standby', 0, true],
    ['starting', 0, true],
    ['starting', 59_000, true], // getMe retried while Telegram is briefly unreachable
    ['starting', 61_000, false], // it cannot start: unreachable, 5xx, or no answer
    ['conflict', 5_000, true], // a redeploy's overlap
    ['conflict', 61_000, false], // persistent: someone outside the guard polls
    ['stopped', 0, false],
    ['failed', 0, false], // Telegram refused the bot token
  ] as const)('%s for %i ms is healthy: %s', (state, lasting, healthy) => {
    expect(pollingHealth({ state, since: NOW - lasting }, NOW, 60_000).healthy).toBe(healthy)
  })

  it('is healthy when polling is off (demo mode)', () => {
    expect(pollingHealth(null, NOW, 60_000)).toEqual({ healthy: true, state: 'disabled', reason: null })
  })
})

describe('bot app', () => {
  function appWith(status: PollingStatusLike | null) {
    const metrics = createKeygramMetrics()
    const holder = status === null ? null : { status: () => status }
    metrics.watchPolling(() => holder?.status() ?? null)
    return createBotApp({
      polling: holder,
      metrics,
      conflictGraceMs: 60_000,
      clock: () => NOW,
      redact: (text) => text.replaceAll(TOKEN, '[redacted]'),
    })
  }

  it('answers 200 while polling, with the poller status', async () => {
    const app = appWith({
      state: 'polling',
      since: NOW - 1000,
      leaseHolder: 'host:1',
      conflicts: 0,
      lastError: null,
    })
    const response = await app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', state: 'polling', leaseHolder: 'host:1' })
  })

  it('answers 503 on a persistent conflict, with the reason and a redacted error', async () => {
    const app = appWith({
      state: 'conflict',
      since: NOW - 120_000,
      conflicts: 40,
      lastError: `409 Conflict at https://api.telegram.org/bot${TOKEN}/getUpdates`,
    })
    const response = await app.request('/healthz')
    expect(response.status).toBe(503)
    const text = await response.text()
    expect(text).not.toContain(TOKEN)
    expect(JSON.parse(text)).toMatchObject({ status: 'unhealthy', state: 'conflict', conflicts: 40 })
    expect(JSON.parse(text).reason).toMatch(/another process polls this bot token/)
  })

  it('answers 503 with the redacted reason when the poller cannot start past the grace period', async () => {
    const lastError = `the Telegram Bot API cannot be reached: FetchError: request to https://api.telegram.org/bot${TOKEN}/getMe failed`
    const early = await appWith({ state: 'starting', since: NOW - 30_000, lastError }).request('/healthz')
    expect(early.status).toBe(200)
    const late = await appWith({ state: 'starting', since: NOW - 90_000, lastError }).request('/healthz')
    expect(late.status).toBe(503)
    const text = await late.text()
    expect(text).not.toContain(TOKEN)
    const body = JSON.parse(text)
    expect(body).toMatchObject({ status: 'unhealthy', state: 'starting' })
    expect(body.reason).toMatch(/has not been able to start for 90 s: the Telegram Bot API cannot be reached/)
    expect(body.lastError).toMatch(/cannot be reached/)
  })

  it('answers 503 at once when Telegram refused the bot token, saying so', async () => {
    const response = await appWith({
      state: 'failed',
      since: NOW,
      lastError: 'Telegram refused the bot token (401)',
    }).request('/healthz')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({
      status: 'unhealthy',
      state: 'failed',
      reason: 'the poller stopped for good: Telegram refused the bot token (401)',
    })
  })

  it('answers 503 when stopped', async () => {
    expect((await appWith({ state: 'stopped', since: NOW }).request('/healthz')).status).toBe(503)
  })

  it('serves the poller state in valid Prometheus text', async () => {
    const app = appWith({ state: 'standby', since: NOW, conflicts: 2 })
    const { samples } = parsePrometheus(await (await app.request('/metrics')).text())
    expect(sampleValue(samples, 'keygram_polling_state', '{state="standby"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_polling_state', '{state="polling"}')).toBe(0)
    expect(sampleValue(samples, 'keygram_polling_conflicts')).toBe(2)
  })
})
