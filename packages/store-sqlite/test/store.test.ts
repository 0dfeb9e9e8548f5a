import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteOpenError, sqliteStore } from '../src/index.ts'
import { SCHEMA_VERSION } from '../src/schema.ts'
import { firstColumn, job, openRaw, storeFixture, tempDir, testDriver } from './helpers.ts'

let cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

describe('sqliteStore: opening the file', () => {
  it('names the path and the cause when the file cannot be opened', () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    writeFileSync(join(dir, 'plain-file'), 'x')
    writeFileSync(join(dir, 'notes.db'), 'notes, not a database: '.repeat(20))
    mkdirSync(join(dir, 'folder.db'))
    const failure = (path: string) => {
      try {
        sqliteStore({ path, driver: testDriver }).close()
      } catch (error) {
        expect(error).toBeInstanceOf(SqliteOpenError)
        return (error as Error).message
      }
      throw new Error(`${path} opened`)
    }
    expect(failure(join(dir, 'plain-file', 'keygram.db'))).toBe(
      `cannot open the SQLite database ${join(dir, 'plain-file', 'keygram.db')}: ${join(dir, 'plain-file')} is a file where a folder is needed`,
    )
    expect(failure(join(dir, 'folder.db'))).toBe(
      `cannot open the SQLite database ${join(dir, 'folder.db')}: it is a folder, not a file`,
    )
    expect(failure(join(dir, 'notes.db'))).toMatch(
      /^cannot open the SQLite database .*notes\.db: the file is not a SQLite database/,
    )
  })

  it('creates the data folder, uses WAL and records the schema version', async () => {
    const fixture = storeFixture()
    cleanups.push(fixture.cleanup)
    const store = fixture.open()
    expect(store.name).toBe('sqlite')
    await expect(store.ping()).resolves.toBeUndefined()
    expect(existsSync(fixture.path)).toBe(true)

    const raw = openRaw(fixture.path)
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      const tables = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map(firstColumn)
      expect(tables).toEqual(
        expect.arrayContaining(['chats', 'counters', 'deliveries', 'jobs', 'kv', 'lease_fencing', 'leases']),
      )
    } finally {
      raw.close()
    }
  })

  it('keeps queued jobs, dedupe keys, key-values and fencing counters across reopening', async () => {
    const fixture = storeFixture()
    cleanups.push(fixture.cleanup)
    const first = fixture.open()
    const { jobIds } = await first.queue.enqueue({
      deliveryKey: 'k1',
      dedupeTtlMs: 60_000,
      jobs: [job('100', 'a'), job('100', 'b', 7)],
      now: 1_000,
    })
    await first.kv.set('migration:1', { to: '-1002' })
    const lease = await first.guard.acquire({ name: 'polling', ttl: 60_000, holder: 'one' })
    await lease!.release()
    await first.close()

    const second = fixture.open()
    expect(await second.kv.get('migration:1')).toEqual({ to: '-1002' })
    expect(
      (await second.queue.enqueue({ deliveryKey: 'k1', dedupeTtlMs: 60_000, jobs: [], now: 2_000 })).accepted,
    ).toBe(false)
    const [chat] = await second.queue.claim({
      workerId: 'w',
      now: 2_000,
      leaseMs: 1_000,
      maxChats: 5,
      maxJobsPerChat: 5,
    })
    expect(chat?.jobs.map((j) => [j.id, j.message.text, j.threadId])).toEqual([
      [jobIds[0], 'a', undefined],
      [jobIds[1], 'b', 7],
    ])
    const next = await second.guard.acquire({ name: 'polling', ttl: 60_000 })
    expect(next?.fencingToken).toBe(lease!.fencingToken + 1)
    await next!.release()
  })

  it('refuses a file written by a newer schema instead of corrupting it', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const path = join(dir, 'keygram.db')
    const raw = openRaw(path)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    expect(() => sqliteStore({ path, driver: testDriver })).toThrow(
      /newer than this @keygram\/store-sqlite supports/,
    )
  })

  it('rejects calls after close and close is idempotent', async () => {
    const fixture = storeFixture()
    cleanups.push(fixture.cleanup)
    const store = fixture.open()
    await store.close()
    await store.close()
    await expect(store.ping()).rejects.toThrow()
  })

  it('two connections opening a new file at once both migrate it safely', async () => {
    const fixture = storeFixture()
    cleanups.push(fixture.cleanup)
    const a = fixture.open()
    const b = fixture.open()
    await a.queue.enqueue({ deliveryKey: 'x', dedupeTtlMs: 1_000, jobs: [job('1', 'x')], now: 0 })
    expect((await b.queue.stats(0)).pending).toBe(1)
  })
})
