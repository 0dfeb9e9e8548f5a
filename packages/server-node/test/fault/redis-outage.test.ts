/**
 * Bad day on Redis: a private redis-server (its own port and folder, never the shared 6379) is stopped while
 * KeyCRM webhooks keep arriving at a real `keygram serve`, then started again. Every webhook is answered
 * `503 store_unavailable` within the store deadline, `/readyz` goes 503 and back, the log says so in a few
 * lines (not one per webhook), and every webhook answered 200 is delivered after the recovery.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { STORE_DEADLINE_MS } from '../../src/store-deadline.ts'
import { freePort, privateRedis } from './private-services.ts'
import { expectStopStartOutage } from './stop-start-outage.ts'
import { describeOutage, type OutageServer, startOutageServer, tempDir } from './store-outage.ts'

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

    await expectStopStartOutage('redis stopped', server, redis)
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
