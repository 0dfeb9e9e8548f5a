import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KeygramStore, NewJob } from '@keygram/core'
import { sqliteStore } from '../src/index.ts'

/** A fresh folder for one test's database; `remove()` deletes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-sqlite-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Opens stores on one file in a temp folder and closes/removes everything afterwards. */
export function storeFixture(options: { clock?: () => number } = {}) {
  const { dir, remove } = tempDir()
  const path = join(dir, 'data', 'keygram.db')
  const opened: KeygramStore[] = []
  return {
    path,
    open(): KeygramStore {
      const store = sqliteStore({ path, ...options })
      opened.push(store)
      return store
    },
    async cleanup() {
      for (const store of opened) await store.close()
      remove()
    },
  }
}

/** A job for `chatId` whose text names it, so order can be read back. */
export function job(chatId: string, text: string, threadId?: number): NewJob {
  const newJob: NewJob = {
    chatId,
    message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    summaryLine: text,
  }
  if (threadId !== undefined) newJob.threadId = threadId
  return newJob
}

/** Claim input with generous defaults. */
export function claimInput(
  now: number,
  overrides: Partial<{ workerId: string; leaseMs: number; maxChats: number; maxJobsPerChat: number }> = {},
) {
  return { workerId: 'w1', now, leaseMs: 30_000, maxChats: 10, maxJobsPerChat: 10, ...overrides }
}
