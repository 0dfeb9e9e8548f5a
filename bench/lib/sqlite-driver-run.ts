/**
 * The child process of `bench/sqlite.ts`, run by the runtime under test (Node through tsx, Bun, Deno):
 *
 * - `ingest <driver> <path> <webhooks> <concurrency>`: enqueues `webhooks` distinct KeyCRM deliveries,
 *   `concurrency` at a time (like that many open connections), into a SQLite store on `driver`, then the
 *   same into the memory store as the in-process baseline; prints one JSON line with both rates.
 * - `kill <driver> <path>`: enqueues deliveries one wave after another until it is killed, printing the key
 *   of each delivery on its own line once its enqueue resolved (the moment the server would answer 200).
 *
 * Imports by relative path: no workspace aliases reach a child process.
 *
 * @module
 */
import { type EnqueueInput, type KeygramStore, memoryStore } from '../../packages/core/src/index.ts'
import { type SqliteDriverName, sqliteStore } from '../../packages/store-sqlite/src/index.ts'

const [mode, driver, path, webhooksArg, concurrencyArg] = process.argv.slice(2) as [
  string,
  SqliteDriverName,
  string,
  string?,
  string?,
]

function delivery(index: number, now: number): EnqueueInput {
  const text = `Order #${index}: status changed to Shipped`
  return {
    deliveryKey: `bench:${index}`,
    dedupeTtlMs: 86_400_000,
    now,
    jobs: [
      {
        chatId: String(-1_000_000 - (index % 50)),
        message: { text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
        summaryLine: text,
      },
    ],
  }
}

/** Webhooks per second through `store.queue.enqueue`, `concurrency` in flight at any time. */
async function ingestRate(store: KeygramStore, webhooks: number, concurrency: number): Promise<number> {
  const started = performance.now()
  let next = 0
  const lane = async () => {
    while (next < webhooks) await store.queue.enqueue(delivery(next++, Date.now()))
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return webhooks / ((performance.now() - started) / 1000)
}

async function ingest(): Promise<void> {
  const webhooks = Number(webhooksArg ?? 5000)
  const concurrency = Number(concurrencyArg ?? 32)
  const sqlite = sqliteStore({ path, driver })
  const sqliteRate = await ingestRate(sqlite, webhooks, concurrency)
  const pending = (await sqlite.queue.stats(Date.now())).pending
  await sqlite.close()
  const memory = memoryStore()
  const memoryRate = await ingestRate(memory, webhooks, concurrency)
  await memory.close()
  console.log(JSON.stringify({ sqliteRate, memoryRate, pending }))
}

async function enqueueUntilKilled(): Promise<never> {
  const store = sqliteStore({ path, driver })
  let next = 0
  for (;;) {
    const wave = Array.from({ length: 32 }, () => next++)
    await Promise.all(
      wave.map(async (index) => {
        const input = delivery(index, Date.now())
        await store.queue.enqueue(input)
        process.stdout.write(`${input.deliveryKey}\n`)
      }),
    )
  }
}

if (mode === 'ingest') await ingest()
else if (mode === 'kill') await enqueueUntilKilled()
else throw new Error(`unknown mode ${mode}`)
