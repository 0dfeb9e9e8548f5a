/**
 * `ping()` is what `/readyz` asks: "can the store take a webhook now?". Reads keep working when writes
 * cannot (a full disk, a write lock held elsewhere), so the ping must write. The disk-full case runs against
 * a real tmpfs in `packages/server-node/test/fault/sqlite-disk-full.test.ts`.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../src/index.ts'
import { WRITE_PROBE_KEY } from '../src/write-probe.ts'
import { openRaw, tempDir, testDriver } from './helpers.ts'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('sqliteStore ping', () => {
  it('fails while writes cannot commit, though reads still work, and passes again once they can', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const path = join(dir, 'keygram.db')
    const store = sqliteStore({ path, busyTimeoutMs: 50, driver: testDriver })
    cleanups.push(() => store.close())
    await expect(store.ping()).resolves.toBeUndefined()

    // Another connection holds the write lock: every enqueue would fail after the busy timeout.
    const other = openRaw(path)
    cleanups.push(() => {
      other.close()
    })
    other.exec('BEGIN IMMEDIATE')
    await expect(store.kv.get('anything')).resolves.toBeNull()
    await expect(store.ping()).rejects.toMatchObject({ code: 'SQLITE_BUSY' })
    other.exec('ROLLBACK')
    await expect(store.ping()).resolves.toBeUndefined()
  })

  it('leaves no value behind: the probe row reads as absent', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const store = sqliteStore({ path: join(dir, 'keygram.db'), driver: testDriver })
    cleanups.push(() => store.close())
    await store.ping()
    await expect(store.kv.get(WRITE_PROBE_KEY)).resolves.toBeNull()
  })
})
