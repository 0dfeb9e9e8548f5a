/**
 * Bad day on Redis: a private redis-server (its own port and folder, never the shared 6379) is stopped while
 * KeyCRM webhooks keep arriving at a real `keygram serve`, then started again. Every webhook is answered
 * `503 store_unavailable` within the store deadline, `/readyz` goes 503 and back, the log says so in a few
 * lines (not one per webhook), and every webhook answered 200 is delivered after the recovery.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { STORE_DEADLINE_MS } from '../../src/store-deadline.ts'
import { freePort, privateRedis } from './private-services.ts'
import {
  describeOutage,
  type OutageServer,
  problemLines,
  sleep,
  startOutageServer,
  tempDir,
} from './store-outage.ts'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('bad day: the Redis store stops and comes back', () => {
  it('answers every webhook 503 store_unavailable within the deadline, logs the outage in a few lines, loses nothing', async () => {
    const folder = tempDir('keygram-bad-redis-')
    cleanups.push(folder.remove)
    const port = await freePort()
    const redis = privateRedis(port, folder.dir)
    await redis.start()
    cleanups.push(redis.stop)
    const server: OutageServer = await startOutageServer(`redis://127.0.0.1:${port}`, folder.dir)
    cleanups.push(server.stop)

    const before = await server.postMany(20)
    expect(before.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    expect(await server.readyz()).toBe(200)
    await server.waitDelivered(
      before.map((answer) => answer.orderId),
      30_000,
    )
    const linesBefore = problemLines(server.logLines()).length

    await redis.stop()
    const outageStarted = performance.now()
    const during = await server.postMany(100)
    const readyDownMs = await server.waitReady(503, 5_000)
    // The outage goes on while more webhooks arrive, long enough for the clients' back-off to grow.
    await sleep(3_000)
    during.push(...(await server.postMany(20)))
    const outageLines = problemLines(server.logLines()).slice(linesBefore)

    await redis.start()
    const readyUpMs = await server.waitReady(200, 10_000)
    const after = await server.postMany(20)
    const outageMs = performance.now() - outageStarted

    console.log(
      describeOutage(
        'redis stopped',
        during,
        `/readyz 503 ${readyDownMs.toFixed(0)} ms after the stop, 200 ${readyUpMs.toFixed(0)} ms after the restart; ` +
          `${outageLines.length} warn/error lines for ${during.length} webhooks over ${(outageMs / 1000).toFixed(1)} s: ` +
          JSON.stringify(outageLines.map((line) => line.msg.slice(0, 140))),
      ),
    )
    // Every webhook during the outage: refused with the documented error, within the deadline.
    for (const answer of during) {
      expect(answer).toMatchObject({ status: 503, error: 'store_unavailable' })
      expect(answer.ms).toBeLessThan(STORE_DEADLINE_MS + 500)
    }
    // A few lines about the outage, not one per webhook, and no stack traces.
    // One line per kind of failure (the webhooks', readiness's, and the worker's few: the moment of a stop can
    // show several connection errors), never one per webhook.
    expect(outageLines.filter((line) => line.msg.startsWith('store ')).length).toBeLessThanOrEqual(3)
    expect(outageLines.length).toBeLessThanOrEqual(12)
    expect(outageLines.filter((line) => line.err !== undefined)).toEqual([])
    expect(server.logLines().some((line) => line.msg.startsWith('store available again'))).toBe(true)
    // After the restart: accepted again, and nothing answered 200 is lost.
    expect(after.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    await server.waitDelivered(
      [...before, ...after].map((answer) => answer.orderId),
      30_000,
    )
  }, 120_000)

  it('answers webhooks 503 at the deadline while Redis hangs, and a retry after it thaws is delivered once', async () => {
    const folder = tempDir('keygram-bad-redis-hang-')
    cleanups.push(folder.remove)
    const port = await freePort()
    const redis = privateRedis(port, folder.dir)
    await redis.start()
    cleanups.push(redis.stop)
    cleanups.push(() => redis.freeze(false))
    const server: OutageServer = await startOutageServer(`redis://127.0.0.1:${port}`, folder.dir)
    cleanups.push(server.stop)
    const before = await server.postMany(10)
    expect(before.map((answer) => answer.status)).toEqual(Array(10).fill(200))

    // A hung Redis keeps its connections open: no client error, only silence. The deadline answers.
    redis.freeze(true)
    const during = await server.postMany(20)
    expect(await server.readyz()).toBe(503)
    redis.freeze(false)
    await server.waitReady(200, 5_000)
    console.log(describeOutage('redis frozen (SIGSTOP)', during, ''))
    for (const answer of during) {
      expect(answer).toMatchObject({ status: 503, error: 'store_unavailable' })
      expect(answer.ms).toBeGreaterThanOrEqual(STORE_DEADLINE_MS - 50)
      expect(answer.ms).toBeLessThan(STORE_DEADLINE_MS + 500)
    }
    // KeyCRM retries each refused webhook: it is taken (the enqueue may have landed after the deadline, then
    // the retry is a duplicate), and every order reaches the chat exactly once.
    const retries = await Promise.all(during.map((answer) => server.repost(answer.orderId)))
    for (const retry of retries) expect(retry.status).toBe(200)
    const orderIds = [...before, ...during].map((answer) => answer.orderId)
    await server.waitDelivered(orderIds, 30_000)
    const counts = server.deliveryCounts()
    expect(orderIds.filter((id) => counts.get(id) !== 1)).toEqual([])
  }, 120_000)
})
