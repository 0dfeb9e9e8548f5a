import type { PollingState } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/index.ts'
import { createKeygramMetrics, createMetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../src/metrics/index.ts'
import { createKeygramServer } from '../src/server.ts'
import { captureLogger } from './helpers/capture-logger.ts'
import { parsePrometheus, sampleValue } from './helpers/prometheus.ts'

describe('metrics registry', () => {
  it('renders counters, gauges and histograms as valid exposition text', async () => {
    const registry = createMetricsRegistry()
    const counter = registry.counter('test_events_total', 'Events.\nSecond line')
    counter.inc({ reason: 'a "quoted" \\ value\nnewline' })
    counter.inc({ reason: 'plain' }, 3)
    registry.gauge('test_depth', 'Depth.', () => [[{ state: 'pending' }, 7]])
    const histogram = registry.histogram('test_latency_seconds', 'Latency.', [0.1, 1, 10])
    for (const value of [0.05, 0.5, 0.5, 5, 50]) histogram.observe(value)

    const { types, samples } = parsePrometheus(await registry.render())
    expect(types.get('test_events_total')).toBe('counter')
    expect(types.get('test_latency_seconds')).toBe('histogram')
    expect(sampleValue(samples, 'test_events_total', '{reason="plain"}')).toBe(3)
    expect(sampleValue(samples, 'test_events_total', '{reason="a \\"quoted\\" \\\\ value\\nnewline"}')).toBe(
      1,
    )
    expect(sampleValue(samples, 'test_depth', '{state="pending"}')).toBe(7)
    // Buckets are cumulative and +Inf counts everything.
    expect(sampleValue(samples, 'test_latency_seconds_bucket', '{le="0.1"}')).toBe(1)
    expect(sampleValue(samples, 'test_latency_seconds_bucket', '{le="1"}')).toBe(3)
    expect(sampleValue(samples, 'test_latency_seconds_bucket', '{le="10"}')).toBe(4)
    expect(sampleValue(samples, 'test_latency_seconds_bucket', '{le="+Inf"}')).toBe(5)
    expect(sampleValue(samples, 'test_latency_seconds_count')).toBe(5)
    expect(sampleValue(samples, 'test_latency_seconds_sum')).toBeCloseTo(56.05)
  })

  it('refuses duplicate and invalid names', () => {
    const registry = createMetricsRegistry()
    registry.counter('a_total', 'A')
    expect(() => registry.counter('a_total', 'A')).toThrow(/twice/)
    expect(() => registry.counter('bad-name', 'B')).toThrow(/invalid/)
  })

  it('skips a failing gauge source instead of failing the scrape', async () => {
    const registry = createMetricsRegistry()
    registry.gauge('broken', 'Broken.', () => {
      throw new Error('store down')
    })
    registry.counter('ok_total', 'Ok.').inc()
    const { samples } = parsePrometheus(await registry.render())
    expect(sampleValue(samples, 'ok_total')).toBe(1)
    expect(samples.some((sample) => sample.name === 'broken')).toBe(false)
  })

  it('maps delivery worker events onto the Keygram counters', async () => {
    const metrics = createKeygramMetrics()
    const base = { chatId: '1', jobIds: ['a', 'b'], deliveryKeys: ['k1', 'k2'], latencyMs: 1500 }
    metrics.onDeliveryEvent({ ...base, type: 'sent', messageIds: [1], fallback: null })
    metrics.onDeliveryEvent({
      ...base,
      type: 'retry',
      kind: 'server_error',
      error: 'x',
      attempt: 1,
      delayMs: 10,
    })
    metrics.onDeliveryEvent({ ...base, type: 'dead', reason: 'forbidden', error: 'x' })
    metrics.onDeliveryEvent({ ...base, type: 'rate_limited', retryAfterMs: 1000, global: false })
    metrics.watchQueue({ stats: async () => ({ pending: 4, claimed: 1, dead: 2, oldestPendingAgeMs: 3000 }) })
    const { samples } = parsePrometheus(await metrics.registry.render())
    expect(sampleValue(samples, 'keygram_notifications_sent_total')).toBe(2)
    expect(sampleValue(samples, 'keygram_notifications_retried_total')).toBe(2)
    expect(sampleValue(samples, 'keygram_notifications_dead_total', '{reason="forbidden"}')).toBe(2)
    expect(sampleValue(samples, 'keygram_notifications_failed_total', '{reason="server_error"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_telegram_429_total')).toBe(1)
    expect(sampleValue(samples, 'keygram_delivery_latency_seconds_bucket', '{le="2.5"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_delivery_latency_seconds_bucket', '{le="1"}')).toBe(0)
    expect(sampleValue(samples, 'keygram_queue_depth', '{state="pending"}')).toBe(4)
    expect(sampleValue(samples, 'keygram_queue_depth', '{state="dead"}')).toBe(2)
    expect(sampleValue(samples, 'keygram_queue_oldest_pending_seconds')).toBe(3)
  })

  it.each(['starting', 'polling', 'standby', 'conflict', 'stopped', 'failed'] satisfies PollingState[])(
    'shows the poller state %s as the one hot polling-state sample',
    async (state) => {
      const metrics = createKeygramMetrics()
      metrics.watchPolling(() => ({ state, conflicts: 2 }))
      const { samples } = parsePrometheus(await metrics.registry.render())
      const stateSamples = samples.filter((sample) => sample.name === 'keygram_polling_state')
      expect(sampleValue(samples, 'keygram_polling_state', `{state="${state}"}`)).toBe(1)
      expect(stateSamples.reduce((sum, sample) => sum + sample.value, 0)).toBe(1)
      expect(sampleValue(samples, 'keygram_polling_conflicts')).toBe(2)
    },
  )

  it('shows a process without a poller as disabled', async () => {
    const metrics = createKeygramMetrics()
    metrics.watchPolling(() => null)
    const { samples } = parsePrometheus(await metrics.registry.render())
    expect(sampleValue(samples, 'keygram_polling_state', '{state="disabled"}')).toBe(1)
    expect(sampleValue(samples, 'keygram_polling_state', '{state="failed"}')).toBe(0)
  })
})

describe('process and runtime metrics', () => {
  /** The series operators expect of every Node service, by type (prom-client's default metrics). */
  const PROCESS_SERIES = {
    process_cpu_seconds_total: 'counter',
    process_resident_memory_bytes: 'gauge',
    process_open_fds: 'gauge',
    process_start_time_seconds: 'gauge',
    nodejs_heap_size_used_bytes: 'gauge',
    nodejs_heap_size_total_bytes: 'gauge',
    nodejs_eventloop_lag_seconds: 'gauge',
    nodejs_eventloop_lag_p99_seconds: 'gauge',
    nodejs_gc_duration_seconds: 'histogram',
    nodejs_active_handles_total: 'gauge',
  }

  it("are served on the webhook (9000) and the bot (9001) servers, beside Keygram's own", async () => {
    const config = resolveConfig(undefined, {
      KEYGRAM_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      BOT_PORT: '0',
      KEYGRAM_STORE: 'memory:',
    })
    const server = createKeygramServer(config, {
      role: 'all',
      logger: captureLogger([]).logger,
      transport: { sendMessage: async () => ({ ok: true, messageId: 1 }) },
    })
    const { webhook, bot } = await server.start()
    try {
      for (const base of [webhook, bot]) {
        const response = await fetch(`${base}/metrics`)
        expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE)
        // One valid exposition: no metric declared twice, every sample of a declared metric.
        const { types, samples } = parsePrometheus(await response.text())
        expect(types.get('keygram_webhooks_received_total')).toBe('counter')
        for (const [name, type] of Object.entries(PROCESS_SERIES))
          expect([name, types.get(name)]).toEqual([name, type])
        expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000)
        expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
        expect(sampleValue(samples, 'nodejs_active_handles_total')).toBeGreaterThan(0)
        const startedAt = (Date.now() - performance.now()) / 1000
        expect(Math.abs(sampleValue(samples, 'process_start_time_seconds')! - startedAt)).toBeLessThan(5)
      }
    } finally {
      await server.stop()
    }
  })

  it('can be left out, for a process that exports its own', async () => {
    const text = await createKeygramMetrics({ processMetrics: false }).render()
    expect(text).toContain('keygram_webhooks_received_total')
    expect(text).not.toContain('process_resident_memory_bytes')
  })
})
