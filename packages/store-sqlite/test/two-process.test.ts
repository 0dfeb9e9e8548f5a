import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClaimRecord, WorkerConfig } from './fixtures/claim-worker.ts'
import { job, scriptCommand, storeFixture } from './helpers.ts'

const workerScript = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Runs one worker process; resolves its exit code and signal, rejects on spawn failure. */
function runWorker(
  config: WorkerConfig,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...scriptCommand(workerScript, tsxLoader), JSON.stringify(config)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }))
  })
}

function readLog(logPath: string): ClaimRecord[] {
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ClaimRecord)
}

let fixture: ReturnType<typeof storeFixture>
beforeEach(() => {
  fixture = storeFixture()
})
afterEach(async () => {
  await fixture.cleanup()
})

describe('sqlite store shared by two processes', () => {
  it('two worker processes drain one file while a third connection enqueues: every job once, in chat order', async () => {
    const producer = fixture.open()
    const logPath = join(fixture.path, '..', 'claims.log')
    const chats = Array.from({ length: 12 }, (_, i) => `-100${i}`)
    const expected = new Map<string, string[]>(chats.map((c) => [c, []]))
    let delivery = 0
    const enqueueBurst = async (count: number) => {
      for (let i = 0; i < count; i++, delivery++) {
        const targets = [chats[delivery % chats.length]!, chats[(delivery * 7 + 3) % chats.length]!]
        const jobs = [...new Set(targets)].map((chatId) => job(chatId, `d${delivery}`))
        const { accepted } = await producer.queue.enqueue({
          deliveryKey: `d${delivery}`,
          dedupeTtlMs: 3_600_000,
          jobs,
          now: Date.now(),
        })
        expect(accepted).toBe(true)
        for (const j of jobs) expected.get(j.chatId)!.push(j.message.text)
      }
    }
    await enqueueBurst(100)

    const config = (workerId: string): WorkerConfig => ({
      path: fixture.path,
      logPath,
      workerId,
      leaseMs: 10_000,
      mode: 'drain',
    })
    const workers = Promise.all([runWorker(config('p1')), runWorker(config('p2'))])
    await vi.waitFor(
      async () => {
        expect(await producer.kv.get('ready:p1')).toBe(true)
        expect(await producer.kv.get('ready:p2')).toBe(true)
      },
      { timeout: 20_000, interval: 20 },
    )
    await producer.kv.set('go', true)
    for (let burst = 0; burst < 20; burst++) {
      await enqueueBurst(15)
      await sleep(5)
    }
    await producer.kv.set('producer-done', true)
    const exits = await workers
    for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null })

    const records = readLog(logPath)
    // Both processes really took part.
    expect(new Set(records.map((r) => r.workerId))).toEqual(new Set(['p1', 'p2']))
    // No job was handed to two claims (every claim settled `done`, so a repeat would be a double hand-out).
    const handedOut = records.flatMap((r) => r.jobIds)
    expect(new Set(handedOut).size).toBe(handedOut.length)
    // Per chat, the log (appended while the chat was claimed) shows the enqueue order exactly.
    for (const chatId of chats) {
      const sent = records.filter((r) => r.chatId === chatId).flatMap((r) => r.texts)
      expect(sent, chatId).toEqual(expected.get(chatId))
    }
    expect(await producer.queue.stats(Date.now())).toMatchObject({ pending: 0, claimed: 0, dead: 0 })

    // The dedupe memory survives reopening the file.
    await producer.close()
    const reopened = fixture.open()
    const again = await reopened.queue.enqueue({
      deliveryKey: 'd0',
      dedupeTtlMs: 3_600_000,
      jobs: [job(chats[0]!, 'dup')],
      now: Date.now(),
    })
    expect(again.accepted).toBe(false)
    expect(await reopened.kv.get('producer-done')).toBe(true)
  }, 60_000)

  it('a chat claimed by a killed process is handed out again only after its lease, and nothing is lost', async () => {
    const producer = fixture.open()
    const logPath = join(fixture.path, '..', 'claims.log')
    for (let i = 0; i < 6; i++) {
      await producer.queue.enqueue({
        deliveryKey: `k${i}`,
        dedupeTtlMs: 3_600_000,
        jobs: [job(`c${i % 3}`, `m${i}`)],
        now: Date.now(),
      })
    }
    await producer.kv.set('go', true)
    const crashed = await runWorker({
      path: fixture.path,
      logPath,
      workerId: 'crash',
      leaseMs: 400,
      mode: 'crash',
    })
    expect(crashed.signal).toBe('SIGKILL')
    const crashClaims = readLog(logPath)
    expect(crashClaims.length).toBeGreaterThan(0)
    expect((await producer.queue.stats(Date.now())).claimed).toBeGreaterThan(0)

    await producer.kv.set('producer-done', true)
    const drained = await runWorker({
      path: fixture.path,
      logPath,
      workerId: 'rescue',
      leaseMs: 10_000,
      mode: 'drain',
    })
    expect(drained, drained.stderr).toMatchObject({ code: 0, signal: null })

    const records = readLog(logPath)
    const rescue = records.filter((r) => r.workerId === 'rescue')
    for (const lost of records.filter((r) => r.workerId === 'crash')) {
      const retaken = rescue.find((r) => r.chatId === lost.chatId)!
      expect(retaken.texts.slice(0, lost.texts.length)).toEqual(lost.texts)
      expect(retaken.claimedAt).toBeGreaterThanOrEqual(lost.claimedAt + lost.leaseMs)
    }
    expect(rescue.flatMap((r) => r.texts).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
    expect(await producer.queue.stats(Date.now())).toMatchObject({ pending: 0, claimed: 0 })
  }, 60_000)
})
