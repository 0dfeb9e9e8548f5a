/**
 * Bad day on SQLite: the store's folder is a small tmpfs that the test fills up while KeyCRM webhooks keep
 * arriving at a real `keygram serve`. Reads still work then, so `SELECT 1` said ready; `/readyz` must turn
 * 503 while writes fail, webhooks must get `503 store_unavailable` within the deadline, the log must say so in
 * a few lines, and once space is freed everything recovers with nothing answered 200 lost.
 *
 * Mounting a tmpfs needs root, as CI runs (and this machine); without it the test fails, saying so.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { STORE_DEADLINE_MS } from '../../src/store-deadline.ts'
import {
  describeOutage,
  type OutageServer,
  problemLines,
  startOutageServer,
  tempDir,
  type WebhookAnswer,
} from './store-outage.ts'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function mountTmpfs(dir: string, size: string): void {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' })
  if (result.status !== 0) {
    throw new Error(
      `this test mounts a tmpfs and needs root (as CI runs): mount failed (${result.status}): ${result.stderr}${result.error ?? ''}`,
    )
  }
}

/** Fills the file system of `dir` to the last byte with one file; returns its path. */
function fillUp(dir: string): string {
  const filler = join(dir, 'filler')
  const { bavail, bsize } = statfsSync(dir)
  try {
    writeFileSync(filler, Buffer.alloc(Number(bavail) * Number(bsize)))
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error
  }
  return filler
}

describe('bad day: the SQLite store runs out of disk', () => {
  it('turns /readyz 503 while writes fail, answers webhooks 503 within the deadline, recovers losing nothing', async () => {
    const folder = tempDir('keygram-bad-sqlite-')
    cleanups.push(folder.remove)
    const mountPoint = join(folder.dir, 'data')
    mkdirSync(mountPoint)
    mountTmpfs(mountPoint, '24m')
    cleanups.push(() => {
      spawnSync('umount', ['-l', mountPoint])
    })
    const server: OutageServer = await startOutageServer(
      `sqlite:${join(mountPoint, 'keygram.db')}`,
      folder.dir,
    )
    cleanups.push(server.stop)

    const before = await server.postMany(20)
    expect(before.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    expect(await server.readyz()).toBe(200)
    await server.waitDelivered(
      before.map((answer) => answer.orderId),
      30_000,
    )
    const linesBefore = problemLines(server.logLines()).length

    const filler = fillUp(mountPoint)
    // SQLite may still fit a few commits into pages it already holds; the first refusal marks the outage.
    const squeezedIn: WebhookAnswer[] = []
    for (let attempt = 0; attempt < 300; attempt++) {
      const answer = await server.post()
      if (answer.status !== 200) break
      squeezedIn.push(answer)
    }
    const readyDownMs = await server.waitReady(503, 3_000)
    const during = await server.postMany(100)
    const outageLines = problemLines(server.logLines()).slice(linesBefore)

    rmSync(filler)
    const readyUpMs = await server.waitReady(200, 10_000)
    const after = await server.postMany(20)

    console.log(
      describeOutage(
        'sqlite disk full',
        during,
        `${squeezedIn.length} webhooks still fitted after the fill; /readyz 503 ${readyDownMs.toFixed(0)} ms after the first refusal, 200 ${readyUpMs.toFixed(0)} ms after space was freed; ` +
          `${outageLines.length} warn/error lines for ${during.length + 1} refused webhooks: ` +
          JSON.stringify(outageLines.map((line) => line.msg.slice(0, 140))),
      ),
    )
    expect(squeezedIn.length).toBeLessThan(300)
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
      [...before, ...squeezedIn, ...after].map((answer) => answer.orderId),
      30_000,
    )
  }, 120_000)
})
