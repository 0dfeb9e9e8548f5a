/**
 * The stop-and-restart outage both network stores face (Redis, PostgreSQL): webhooks before, a stop with
 * webhooks arriving through it (long enough for the clients' back-off to grow), a restart, webhooks after.
 * Asserts what the "bad days" issue promises for any store: every webhook during the outage refused with
 * `503 store_unavailable` within the deadline, `/readyz` down and up again, a few log lines per kind of
 * failure and no stack, and every webhook answered 200 delivered after the recovery.
 */
import { expect } from 'vitest'
import { STORE_DEADLINE_MS } from '../../src/store-deadline.ts'
import { describeOutage, type OutageServer, problemLines, sleep } from './store-outage.ts'

/** A private service the test can stop and start again. */
export interface StoppableService {
  start(): Promise<void>
  stop(): Promise<void>
}

/** Runs the outage on `server`, whose store is `service`, and asserts its promises. */
export async function expectStopStartOutage(
  label: string,
  server: OutageServer,
  service: StoppableService,
): Promise<void> {
  const before = await server.postMany(20)
  expect(before.map((answer) => answer.status)).toEqual(Array(20).fill(200))
  expect(await server.readyz()).toBe(200)
  await server.waitDelivered(
    before.map((answer) => answer.orderId),
    30_000,
  )
  const linesBefore = problemLines(server.logLines()).length

  await service.stop()
  const outageStarted = performance.now()
  const during = await server.postMany(100)
  const readyDownMs = await server.waitReady(503, 5_000)
  await sleep(3_000)
  during.push(...(await server.postMany(20)))
  const outageLines = problemLines(server.logLines()).slice(linesBefore)

  await service.start()
  const readyUpMs = await server.waitReady(200, 10_000)
  const after = await server.postMany(20)
  const outageMs = performance.now() - outageStarted

  console.log(
    describeOutage(
      label,
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
  // show several connection errors), never one per webhook, and no stack traces.
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
}
