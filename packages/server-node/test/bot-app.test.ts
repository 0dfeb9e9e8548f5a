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
    ['conflict', 5_000, true], // a redeploy's overlap
    ['conflict', 61_000, false], // persistent: someone outside the guard polls
    ['stopped', 0, false],
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
