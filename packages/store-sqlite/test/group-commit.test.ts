import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/database.ts'
import { createGroupCommit } from '../src/group-commit.ts'
import { firstColumn, job, openRaw, storeFixture, tempDir, testDriver } from './helpers.ts'

const T0 = 1_767_225_600_000
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function fixture() {
  const files = storeFixture()
  cleanups.push(() => files.cleanup())
  return files
}

/** WAL frames written since the last checkpoint: every commit appends at least one. */
function walFrames(path: string): number {
  const reader = openRaw(path)
  try {
    const [row] = reader.pragma('wal_checkpoint(PASSIVE)') as { log: number }[]
    return row!.log
  } finally {
    reader.close()
  }
}

describe('sqlite group commit', () => {
  it('commits webhooks that arrive together in one transaction, each durable when its enqueue resolves', async () => {
    const files = fixture()
    const store = files.open()
    // Checkpoint now and turn off auto-checkpoints, so the WAL counts this test's commits only.
    const raw = openRaw(files.path)
    raw.pragma('wal_autocheckpoint = 0')
    raw.pragma('wal_checkpoint(TRUNCATE)')
    raw.close()
    const before = walFrames(files.path)
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, index) =>
        store.queue.enqueue({
          deliveryKey: `order:${index}`,
          dedupeTtlMs: 60_000,
          jobs: [job('-100', `m${index}`)],
          now: T0,
        }),
      ),
    )
    expect(results.every((result) => result.accepted)).toBe(true)
    // 64 separate transactions write at least 64 frames; one group writes a handful of pages.
    expect(walFrames(files.path) - before).toBeLessThan(16)
    // Durable and visible to another connection (another process would see the same).
    const other = openRaw(files.path)
    try {
      expect(firstColumn(other.prepare('SELECT count(*) FROM jobs').get())).toBe(64)
    } finally {
      other.close()
    }
  })

  it('keeps dedupe exact inside one group: the same delivery twice in a turn is accepted once', async () => {
    const store = fixture().open()
    const input = { deliveryKey: 'order:7', dedupeTtlMs: 60_000, jobs: [job('1', 'x')], now: T0 }
    const [first, second] = await Promise.all([store.queue.enqueue(input), store.queue.enqueue(input)])
    expect([first!.accepted, second!.accepted]).toEqual([true, false])
    expect((await store.queue.stats(T0)).pending).toBe(1)
  })

  it('rolls back and rejects only the write that failed; the rest of its group commits', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const db = openDatabase(testDriver, join(dir, 'g.db'))
    cleanups.push(() => db.close())
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const group = createGroupCommit(db)
    const outcomes = await Promise.allSettled([
      group.run(() => insert.run(1).changes),
      group.run(() => {
        insert.run(2)
        throw new Error('second write fails after its insert')
      }),
      group.run(() => insert.run(3).changes),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(db.prepare('SELECT v FROM t ORDER BY v').all().map(firstColumn)).toEqual([1, 3])
  })

  it('rejects every write of a group whose commit cannot happen, so none is acknowledged', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const path = join(dir, 'busy.db')
    const db = openDatabase(testDriver, path, 50)
    cleanups.push(() => db.close())
    db.exec('CREATE TABLE t (v INTEGER)')
    const blocker = openRaw(path, 0)
    cleanups.push(() => blocker.close())
    blocker.exec('BEGIN IMMEDIATE') // another connection holds the write lock past the busy timeout
    const group = createGroupCommit(db)
    const outcomes = await Promise.allSettled([group.run(() => 1), group.run(() => 2)])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected'])
    blocker.exec('ROLLBACK')
  })
})
