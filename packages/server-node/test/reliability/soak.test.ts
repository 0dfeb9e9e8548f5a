/**
 * Soak: a real `keygram serve --role webhook` process (SQLite store, the fake Bot API with Telegram's limits
 * on) takes a steady 20 webhooks per second for 60 seconds, KeyCRM redeliveries included. Every answer is
 * a 2xx, every notification arrives exactly once, and the resident memory stops growing after warm-up.
 *
 * `KEYGRAM_SOAK_SECONDS` shortens or lengthens the run (the memory check needs at least 30 s).
 * `KEYGRAM_SOAK_NODE_OPTIONS` adds Node flags for the server, e.g. `--import ./leak.mjs` with a module that
 * keeps every request alive, to watch the memory check fail.
 */
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orderIdsOfText, rssMb, SECRET, type ServeChild, startServe } from './helpers.ts'

const SECONDS = Number(process.env.KEYGRAM_SOAK_SECONDS ?? '60')
const RATE_PER_SECOND = 20
/** Every 20th request repeats an earlier body, as KeyCRM's retries do. */
const REDELIVERY_EVERY = 20
/** Forty private chats, one per order status: 0.5 messages per second each, under Telegram's 1/s. */
const CHATS = Array.from({ length: 40 }, (_, index) => String(720_000_001 + index))
const FIRST_STATUS = 201
const FIRST_ORDER = 90_001
const GC_ON_SIGNAL = fileURLToPath(new URL('./gc-on-signal.mjs', import.meta.url))
/** Memory before this is warm-up (JIT, SQLite page cache, connection pools filling up). */
const WARMUP_SECONDS = Math.min(20, SECONDS / 3)
/**
 * Memory is read right after a full garbage collection, at the end of warm-up and at the end of the load,
 * requested with SIGUSR2 through a test-only preload (`gc-on-signal.mjs`, with `--expose-gc`). Without it,
 * resident memory under this load is a sawtooth: the V8 heap grows by about 1 MiB/s and a major collection
 * drops it by 40 MiB every 40-60 s, as much as a real leak shows in a minute.
 *
 * Two bounds. Resident memory (`VmRSS`): it may grow by at most 48 MiB, because even after a collection V8
 * keeps a heap capacity that depends on the recent allocation rate (measured: RSS after GC moved by -12 to
 * +31 MiB in clean runs, while RSS minus the V8 heap stayed within 1 MiB). Retained memory (JS heap in use
 * plus external buffers, from `process.memoryUsage()` after the collection): at most 8 MiB, the sharp one
 * (measured: -1.3 to -0.5 MiB in clean runs). A module keeping 64 KiB per request alive
 * (`KEYGRAM_SOAK_NODE_OPTIONS`, 800 requests after warm-up) failed both: retained +49 MiB, RSS +53 MiB.
 */
const RSS_GROWTH_LIMIT_MB = 48
const RETAINED_GROWTH_LIMIT_MB = 8
/** And an absolute ceiling: the server idles at about 120 MiB (bench/startup.ts) and peaked near 160 here. */
const RSS_CEILING_MB = 256
const MEMORY_FILE = join(tmpdir(), `keygram-soak-memory-${process.pid}.json`)

/** What the process holds right after a full garbage collection, in MiB. */
interface MemoryAfterGc {
  /** VmRSS from /proc. */
  rss: number
  /** JS heap in use plus memory outside it (buffers), as the process reports it. */
  retained: number
}

/** Asks `pid` for a full garbage collection (SIGUSR2, see `gc-on-signal.mjs`) and reads its memory after. */
async function memoryAfterGc(pid: number): Promise<MemoryAfterGc> {
  const read = () => {
    try {
      return JSON.parse(readFileSync(MEMORY_FILE, 'utf8')) as {
        sequence: number
        heapUsed: number
        external: number
      }
    } catch {
      return null
    }
  }
  const before = read()?.sequence ?? 0
  process.kill(pid, 'SIGUSR2')
  for (let waited = 0; waited < 5000; waited += 100) {
    await sleep(100)
    const report = read()
    if (report !== null && report.sequence > before) {
      return { rss: rssMb(pid), retained: (report.heapUsed + report.external) / 1024 / 1024 }
    }
  }
  throw new Error('the server did not report its memory after SIGUSR2 (is gc-on-signal.mjs preloaded?)')
}

function orderBody(index: number): string {
  const changedAt = Date.UTC(2026, 2, 1, 8, 0, 0) + index * 1000
  const at = new Date(changedAt).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
  return JSON.stringify({
    event: 'order.change_order_status',
    context: {
      id: FIRST_ORDER + index,
      source_uuid: `№${40_000 + index}`,
      status_id: FIRST_STATUS + (index % CHATS.length),
      status_group_id: 1 + (index % 6),
      status_changed_at: at,
      created_at: at,
      updated_at: at,
      grand_total: `${100 + (index % 900)}.00`,
      payment_status: 'not_paid',
      client_id: 23_043,
      manager_id: 6,
      manager_comment: index % 7 === 0 ? `Pack <${index}> & ship` : null,
    },
  })
}

describe('soak: a steady webhook rate against keygram serve --role webhook', () => {
  let fake: FakeBotApi
  let server: ServeChild | undefined

  beforeAll(async () => {
    fake = await createFakeBotApi({ seed: 8 })
  })
  afterAll(async () => {
    await server?.cleanup()
    await fake?.close()
    rmSync(MEMORY_FILE, { force: true })
  })

  it(`${RATE_PER_SECOND}/s for ${SECONDS} s: all 2xx, every notification once, RSS flat after warm-up`, {
    timeout: (SECONDS + 120) * 1000,
  }, async () => {
    server = await startServe({
      role: 'webhook',
      env: {
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        LOG_LEVEL: 'info',
        KEYGRAM_SOAK_MEMORY_FILE: MEMORY_FILE,
        NODE_OPTIONS: `--expose-gc --import ${GC_ON_SIGNAL} ${process.env.KEYGRAM_SOAK_NODE_OPTIONS ?? ''}`,
      },
      config: {
        routes: CHATS.map((chatId, index) => ({
          chatId,
          kinds: ['order_status'],
          statusIds: [FIRST_STATUS + index],
        })),
      },
    })
    const pid = server.child.process.pid!
    const endpoint = `${server.webhookUrl}/webhooks/keycrm/${SECRET}`

    const samples: { at: number; mb: number }[] = []
    const started = performance.now()
    const sampler = setInterval(() => {
      samples.push({ at: (performance.now() - started) / 1000, mb: rssMb(pid) })
    }, 1000)

    // Fire on a fixed schedule (request i at i/RATE s) without waiting for answers: a steady rate, not a
    // closed loop that slows down with the server.
    const total = SECONDS * RATE_PER_SECOND
    const statuses = new Map<number, number>()
    const outcomes = new Map<string, number>()
    const inFlight: Promise<void>[] = []
    let originals = 0
    let warm: MemoryAfterGc | null = null
    let warming: Promise<void> | null = null
    for (let request = 0; request < total; request++) {
      if (warming === null && request >= WARMUP_SECONDS * RATE_PER_SECOND) {
        // Measured in the background: the schedule goes on meanwhile.
        warming = memoryAfterGc(pid).then((memory) => {
          warm = memory
        })
      }
      const due = started + (request * 1000) / RATE_PER_SECOND
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const redelivery = request % REDELIVERY_EVERY === REDELIVERY_EVERY - 1
      const body = redelivery ? orderBody(originals - 7) : orderBody(originals++)
      inFlight.push(
        fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          async (response) => {
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
            const { status } = (await response.json()) as { status: string }
            outcomes.set(status, (outcomes.get(status) ?? 0) + 1)
          },
        ),
      )
    }
    await Promise.all(inFlight)
    const sendSeconds = (performance.now() - started) / 1000
    await warming
    const last = await memoryAfterGc(pid)

    // Every original reaches its chat; let the queue drain (at most a few seconds behind the load).
    const expected = new Set(Array.from({ length: originals }, (_, index) => FIRST_ORDER + index))
    const seen = () =>
      new Set(fake.sent.flatMap((message) => orderIdsOfText(message.plain_text, FIRST_ORDER)))
    await expect.poll(() => seen().size, { timeout: 60_000, interval: 500 }).toBe(expected.size)
    clearInterval(sampler)

    const delivered = fake.sent.flatMap((message) => orderIdsOfText(message.plain_text, FIRST_ORDER))
    const peakMb = Math.max(...samples.map((sample) => sample.mb))
    const start = warm as MemoryAfterGc | null
    if (start === null) throw new Error('no memory reading at the end of warm-up')
    console.info(
      `[soak] ${total} requests in ${sendSeconds.toFixed(1)} s (${originals} orders, ${total - originals} redeliveries); ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ` +
        `${fake.sent.length} messages, ${fake.count429} 429s. Memory after a full GC, at ${WARMUP_SECONDS} s -> at the end: ` +
        `RSS ${start.rss.toFixed(1)} -> ${last.rss.toFixed(1)} MiB (growth ${(last.rss - start.rss).toFixed(1)}, limit ${RSS_GROWTH_LIMIT_MB}), ` +
        `retained ${start.retained.toFixed(1)} -> ${last.retained.toFixed(1)} MiB (growth ${(last.retained - start.retained).toFixed(1)}, limit ${RETAINED_GROWTH_LIMIT_MB}); ` +
        `RSS peak ${peakMb.toFixed(1)} MiB; every second: ${samples.map((sample) => sample.mb.toFixed(0)).join(' ')}`,
    )

    expect(Object.fromEntries(statuses)).toEqual({ 200: total })
    expect(outcomes.get('queued')).toBe(originals)
    expect(outcomes.get('duplicate')).toBe(total - originals)
    // Exactly once: no order twice, none missing, nothing that was not sent.
    expect(delivered.length).toBe(expected.size)
    expect(new Set(delivered)).toEqual(expected)
    // The load really was steady (a stalled server would stretch it).
    expect(sendSeconds).toBeLessThan(SECONDS + 5)
    expect(last.rss - start.rss).toBeLessThan(RSS_GROWTH_LIMIT_MB)
    expect(last.retained - start.retained).toBeLessThan(RETAINED_GROWTH_LIMIT_MB)
    expect(peakMb).toBeLessThan(RSS_CEILING_MB)

    const metrics = await (await fetch(`${server.webhookUrl}/metrics`)).text()
    expect(metrics).toContain(`keygram_notifications_sent_total ${expected.size}\n`)
    expect(metrics).not.toMatch(/keygram_notifications_dead_total(\{[^}]*\})? [1-9]/)
    expect((await fetch(`${server.webhookUrl}/readyz`)).status).toBe(200)
    expect(server.child.process.exitCode).toBeNull()
  })
})
