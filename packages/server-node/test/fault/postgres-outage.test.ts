/**
 * Bad day on PostgreSQL: a private cluster (its own port and folder, never the shared 5432) is stopped while
 * KeyCRM webhooks keep arriving at a real `keygram serve`, then started again. PostgreSQL outages were
 * already answered fast; this holds that, and the log: a few lines per outage, not one per webhook.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { STORE_DEADLINE_MS } from '../../src/store-deadline.ts'
import { freePort, privatePostgres } from './private-services.ts'
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

describe('bad day: the PostgreSQL store stops and comes back', () => {
  it('answers every webhook 503 store_unavailable within the deadline, logs the outage in a few lines, loses nothing', async () => {
    const folder = tempDir('keygram-bad-pg-')
    cleanups.push(folder.remove)
    const postgres = privatePostgres(await freePort(), folder.dir)
    await postgres.start()
    cleanups.push(postgres.stop)
    const server: OutageServer = await startOutageServer(postgres.url, folder.dir)
    cleanups.push(server.stop)

    const before = await server.postMany(20)
    expect(before.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    expect(await server.readyz()).toBe(200)
    await server.waitDelivered(
      before.map((answer) => answer.orderId),
      30_000,
    )
    const linesBefore = problemLines(server.logLines()).length

    await postgres.stop()
    const outageStarted = performance.now()
    const during = await server.postMany(100)
    const readyDownMs = await server.waitReady(503, 5_000)
    await sleep(3_000)
    during.push(...(await server.postMany(20)))
    const outageLines = problemLines(server.logLines()).slice(linesBefore)

    await postgres.start()
    const readyUpMs = await server.waitReady(200, 10_000)
    const after = await server.postMany(20)
    const outageMs = performance.now() - outageStarted

    console.log(
      describeOutage(
        'postgres stopped',
        during,
        `/readyz 503 ${readyDownMs.toFixed(0)} ms after the stop, 200 ${readyUpMs.toFixed(0)} ms after the restart; ` +
          `${outageLines.length} warn/error lines for ${during.length} webhooks over ${(outageMs / 1000).toFixed(1)} s: ` +
          JSON.stringify(outageLines.map((line) => line.msg.slice(0, 140))),
      ),
    )
    for (const answer of during) {
      expect(answer).toMatchObject({ status: 503, error: 'store_unavailable' })
      expect(answer.ms).toBeLessThan(STORE_DEADLINE_MS + 500)
    }
    // One line per kind of failure (the webhooks', readiness's, and the worker's few: the moment of a stop can
    // show several connection errors), never one per webhook.
    expect(outageLines.filter((line) => line.msg.startsWith('store ')).length).toBeLessThanOrEqual(3)
    expect(outageLines.length).toBeLessThanOrEqual(12)
    expect(outageLines.filter((line) => line.err !== undefined)).toEqual([])
    expect(server.logLines().some((line) => line.msg.startsWith('store available again'))).toBe(true)
    expect(after.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    await server.waitDelivered(
      [...before, ...after].map((answer) => answer.orderId),
      30_000,
    )
  }, 120_000)
})
