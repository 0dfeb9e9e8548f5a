/**
 * Measures enqueue and claim+settle throughput of one SQLite file (run once, numbers go in reports):
 * `pnpm exec tsx packages/store-sqlite/bench/throughput.ts [jobs]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NewJob } from '@keygram/core'
import { sqliteStore } from '../src/index.ts'

const total = Number(process.argv[2] ?? 5_000)
const chats = 50

function newJob(i: number): NewJob {
  return {
    chatId: `-100${i % chats}`,
    message: {
      text: `<b>Order #${60_000 + i}</b> → Shipped`,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    },
    summaryLine: `Order #${60_000 + i} → Shipped`,
  }
}

async function run(label: string, maxJobsPerChat: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-bench-'))
  const store = sqliteStore({ path: join(dir, 'keygram.db') })
  try {
    let started = performance.now()
    for (let i = 0; i < total; i++) {
      await store.queue.enqueue({
        deliveryKey: `d${i}`,
        dedupeTtlMs: 86_400_000,
        jobs: [newJob(i)],
        now: Date.now(),
      })
    }
    const enqueueRate = total / ((performance.now() - started) / 1000)

    started = performance.now()
    let settled = 0
    while (settled < total) {
      const now = Date.now()
      const claims = await store.queue.claim({
        workerId: 'bench',
        now,
        leaseMs: 30_000,
        maxChats: 10,
        maxJobsPerChat,
      })
      if (claims.length === 0) throw new Error(`queue ran dry at ${settled}`)
      for (const claim of claims) {
        await store.queue.settle(claim.chatId, claim.claimToken, { done: claim.jobs.map((j) => j.id), now })
        settled += claim.jobs.length
      }
    }
    const drainRate = total / ((performance.now() - started) / 1000)
    console.log(
      `${label}: enqueue ${Math.round(enqueueRate)} jobs/s (1 job per delivery, 1 transaction each); ` +
        `claim+settle ${Math.round(drainRate)} jobs/s (maxChats 10, maxJobsPerChat ${maxJobsPerChat})`,
    )
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

console.log(`${total} jobs over ${chats} chats, Node ${process.version}, tmpdir ${tmpdir()}`)
await run('one job per claimed chat', 1)
await run('head runs of up to 10', 10)
