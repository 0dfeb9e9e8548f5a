/**
 * Enqueue notices between processes over PostgreSQL LISTEN/NOTIFY. After an enqueue that added jobs, the
 * store sends `pg_notify` as a statement of its own, at most one in flight (enqueues meanwhile are covered by
 * one more after it): inside the enqueue's transaction, NOTIFY would make every concurrent webhook's commit
 * queue behind one lock (measured: concurrent enqueues 2-5x slower). Each instance with a listener holds one
 * pooled connection that LISTENs; when it drops (a restart, a network cut) it is discarded and another is
 * connected with back-off. A notice is a hint: the worker still polls.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto'
import { createEnqueueSignal, type EnqueueChannel, type EnqueueSignal } from '@keygram/core'
import type { PostgresPool, PostgresPoolClient } from './pool.ts'
import type { Tables } from './tables.ts'

const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 5_000

/** A pooled connection that can LISTEN: node-postgres' client emits these events. */
interface ListeningClient extends PostgresPoolClient {
  on(event: 'notification', listener: (notice: { channel: string; payload?: string }) => void): unknown
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown
}

function canListen(client: PostgresPoolClient): client is ListeningClient {
  return typeof (client as Partial<ListeningClient>).on === 'function'
}

/** The channel of one schema + prefix: a short identifier (channel names end at 63 bytes). */
export function enqueueChannelName(tables: Tables): string {
  return `keygram_enqueued_${createHash('sha1').update(tables.lockKey).digest('hex').slice(0, 20)}`
}

/**
 * The {@link EnqueueSignal} of one PostgreSQL store instance: `notify()` tells this instance's listeners at
 * once and announces the enqueue to the other processes (not awaited: the jobs are already durable).
 */
export function createPostgresEnqueueSignal(pool: PostgresPool, tables: Tables): EnqueueSignal {
  const channel = enqueueChannelName(tables)
  const instanceId = randomUUID()
  const signal = createEnqueueSignal((hear) =>
    listenOn(pool, channel, (payload) => {
      // Our own notices come back too; this instance heard them already, in process.
      if (payload !== instanceId) hear()
    }),
  )
  let closed = false
  let sending = false
  let again = false

  // One NOTIFY at a time; enqueues that commit while it is on its way get one more after it, so the last
  // enqueue is always followed by a notice.
  function announce(): void {
    if (closed) return
    if (sending) {
      again = true
      return
    }
    sending = true
    pool
      .query({ text: 'SELECT pg_notify($1, $2)', values: [channel, instanceId] })
      .catch(() => {
        // The database is away: the workers' poll finds the job once it is back.
      })
      .finally(() => {
        sending = false
        if (!again) return
        again = false
        announce()
      })
  }

  return {
    ...signal,
    notify() {
      signal.notify()
      announce()
    },
    async close() {
      closed = true
      await signal.close()
    },
  }
}

/** Keeps one connection LISTENing on `channel` until closed, reconnecting after it drops. */
function listenOn(pool: PostgresPool, channel: string, hear: (payload?: string) => void): EnqueueChannel {
  let closed = false
  let current: ListeningClient | null = null
  let connecting: Promise<void> = Promise.resolve()
  let retry: ReturnType<typeof setTimeout> | undefined
  let delayMs = FIRST_RETRY_MS
  let listenedBefore = false

  function scheduleReconnect(): void {
    if (closed) return
    retry = setTimeout(() => {
      connecting = connect()
    }, delayMs)
    // A reconnect timer must not keep the process alive; close() clears it anyway.
    retry.unref?.()
    delayMs = Math.min(delayMs * 2, MAX_RETRY_MS)
  }

  // A connection is discarded, never returned to the pool (it LISTENs, or it is broken), and only once:
  // the 'end' that our own release causes must not release it again.
  const discarded = new WeakSet<PostgresPoolClient>()
  function discard(client: PostgresPoolClient, error?: Error): void {
    if (discarded.has(client)) return
    discarded.add(client)
    if (current === client) current = null
    client.release(error ?? true)
  }

  function watch(client: ListeningClient): void {
    const lost = (error?: Error) => {
      if (discarded.has(client)) return
      discard(client, error)
      scheduleReconnect()
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (notice) => {
      if (notice.channel === channel) hear(notice.payload)
    })
  }

  async function connect(): Promise<void> {
    let client: PostgresPoolClient
    try {
      client = await pool.connect()
    } catch {
      return scheduleReconnect()
    }
    // A pool that is not node-postgres' cannot LISTEN: the worker's poll is all there is.
    if (closed || !canListen(client)) return discard(client)
    watch(client)
    try {
      await client.query({ text: `LISTEN "${channel}"` })
    } catch (error) {
      if (discarded.has(client)) return
      discard(client, error instanceof Error ? error : undefined)
      return scheduleReconnect()
    }
    if (closed || discarded.has(client)) return discard(client)
    current = client
    delayMs = FIRST_RETRY_MS
    // Notices sent while we were away are gone: hear one, so a waiting worker looks now.
    if (listenedBefore) hear()
    listenedBefore = true
  }

  connecting = connect()
  return {
    async close() {
      closed = true
      clearTimeout(retry)
      await connecting
      if (current !== null) discard(current)
    },
  }
}
