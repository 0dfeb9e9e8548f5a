import { describe, expect, it } from 'vitest'
import { createBotApp, type PollingStatusLike, pollingHealth, stalePollThresholdMs } from '../src/bot-app.ts'
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

  it.each([
    [30, 90_000], // the default long poll: 2 × 30 s + 30 s
    [0, 90_000], // short polling keeps the floor
    [50, 130_000], // Telegram's longest long poll
  ])('a long poll of %i s is stale after %i ms without a successful poll', (timeoutSeconds, threshold) => {
    expect(stalePollThresholdMs(timeoutSeconds)).toBe(threshold)
  })

  it.each([
    ['a poll answered just now', NOW - 600_000, NOW, true],
    ['the last poll answered 89 s ago', NOW - 600_000, NOW - 89_000, true],
    ['no poll answered for 91 s', NOW - 600_000, NOW - 91_000, false],
    ['polling began 30 s ago, no poll answered yet', NOW - 30_000, null, true],
    ['polling began 120 s ago, no poll ever answered', NOW - 120_000, null, false],
    // A success from an earlier lease term must not make a new term look stale.
    ['a new term began 10 s ago, the last success is from an old term', NOW - 10_000, NOW - 3_600_000, true],
  ] as const)('polling with %s is healthy: %s', (_, since, lastSuccessfulPollAt, healthy) => {
    const health = pollingHealth(
      { state: 'polling', since, lastSuccessfulPollAt },
      NOW,
      60_000,
      60_000,
      90_000,
    )
    expect(health).toMatchObject({ healthy, state: 'polling' })
  })

  it('uses the start grace it is given', () => {
    expect(pollingHealth({ state: 'starting', since: NOW - 100_000 }, NOW, 60_000, 120_000).healthy).toBe(
      true,
    )
    expect(pollingHealth({ state: 'starting', since: NOW - 100_000 }, NOW, 60_000, 90_000).healthy).toBe(
      false,
    )
  })

  it('is healthy when polling is off (demo mode)', () => {
    expect(pollingHealth(null, NOW, 60_000)).toEqual({ healthy: true, state: 'disabled', reason: null })
  })
})

describe('bot app', () => {
  function appWith(status: PollingStatusLike | null, options: { pollTimeoutSeconds?: number } = {}) {
    const metrics = createKeygramMetrics()
    const holder = status === null ? null : { status: () => status }
    metrics.watchPolling(() => holder?.status() ?? null)
    return createBotApp({
      polling: holder,
      metrics,
      conflictGraceMs: 60_000,
      ...options,
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

  it('answers 503 with a redacted reason while polling but no getUpdates succeeds, and 200 once one does', async () => {
    const lastError = `the Telegram Bot API answered 502: Bad Gateway at https://api.telegram.org/bot${TOKEN}/getUpdates`
    // A scripted poller: polling since 10 min ago, its last success 2 min ago, every poll since failing.
    const status: PollingStatusLike = {
      state: 'polling',
      since: NOW - 600_000,
      lastSuccessfulPollAt: NOW - 120_000,
      lastError,
    }
    const app = appWith(status)
    const stale = await app.request('/healthz')
    expect(stale.status).toBe(503)
    const text = await stale.text()
    expect(text).not.toContain(TOKEN)
    const body = JSON.parse(text)
    expect(body).toMatchObject({ status: 'unhealthy', state: 'polling', lastSuccessfulPollAt: NOW - 120_000 })
    expect(body.reason).toMatch(/^no getUpdates has succeeded for 120 s: the Telegram Bot API answered 502/)
    expect(body.reason).toContain('[redacted]')

    // Telegram answers again: the poller stamps the success and clears the error.
    status.lastSuccessfulPollAt = NOW - 2_000
    status.lastError = null
    const fresh = await app.request('/healthz')
    expect(fresh.status).toBe(200)
    expect(await fresh.json()).toMatchObject({
      status: 'ok',
      state: 'polling',
      reason: null,
      lastError: null,
    })
  })

  it('derives the stale-poll threshold from the long-poll timeout', async () => {
    const status = { state: 'polling', since: NOW - 600_000, lastSuccessfulPollAt: NOW - 120_000 }
    expect((await appWith(status).request('/healthz')).status).toBe(503) // 30 s polls: stale after 90 s
    expect((await appWith(status, { pollTimeoutSeconds: 50 }).request('/healthz')).status).toBe(200) // 130 s
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
