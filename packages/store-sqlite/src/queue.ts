/**
 * The durable, chat-centric queue on SQLite. Every read-modify-write runs in `BEGIN IMMEDIATE`, which takes
 * the file's write lock up front: two processes (or two connections) claiming at once are serialised by
 * SQLite itself, so one chat can never be handed to two live claims.
 *
 * @module
 */
import {
  type ChatId,
  type ClaimedChat,
  type ClaimInput,
  type DeadJob,
  decodeJobPayload,
  type EnqueueInput,
  encodeJobPayload,
  type QueuedJob,
  type QueueStats,
  type QueueStore,
  type SettleInput,
} from '@keygram/core'
import type { SqliteDatabase } from './database.ts'
import { createGroupCommit, type GroupCommit } from './group-commit.ts'

interface JobRow {
  id: string
  chat_id: string
  thread_id: number | null
  sequence: number
  delivery_key: string
  message: string
  summary_line: string
  attempts: number
  not_before: number
  created_at: number
  last_error: string | null
  dead_reason: string | null
  dead_at: number | null
  low: number
}

function toQueuedJob(row: JobRow): QueuedJob {
  const { message, render, summary } = decodeJobPayload(row.message)
  const job: QueuedJob = {
    id: row.id,
    chatId: row.chat_id,
    message,
    summaryLine: row.summary_line,
    deliveryKey: row.delivery_key,
    sequence: row.sequence,
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    lastError: row.last_error,
  }
  if (row.thread_id !== null) job.threadId = row.thread_id
  if (render !== undefined) job.render = render
  if (row.low === 1) job.priority = 'low'
  if (summary !== undefined) job.summary = summary
  return job
}

function toDeadJob(row: JobRow): DeadJob {
  return { ...toQueuedJob(row), reason: row.dead_reason ?? 'unknown', deadAt: row.dead_at ?? 0 }
}

/**
 * Builds the {@link QueueStore} over an open, migrated database. Enqueues go through `groupCommit` (shared
 * with the event log by `sqliteStore`), so concurrent webhooks share one commit.
 */
export function createSqliteQueue(
  db: SqliteDatabase,
  groupCommit: GroupCommit = createGroupCommit(db),
): QueueStore {
  const statements = {
    findDelivery: db.prepare<[string, number], { key: string }>(
      'SELECT key FROM deliveries WHERE key = ? AND expires_at > ?',
    ),
    rememberDelivery: db.prepare<[string, number]>(
      `INSERT INTO deliveries (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    // Bounded so one enqueue never pays for a long backlog of expired keys.
    purgeDeliveries: db.prepare<[number]>(
      `DELETE FROM deliveries
       WHERE key IN (SELECT key FROM deliveries WHERE expires_at <= ? ORDER BY expires_at LIMIT 100)`,
    ),
    takeSequences: db.prepare<[number], { value: number }>(
      "UPDATE counters SET value = value + ? WHERE name = 'job_sequence' RETURNING value",
    ),
    ensureChat: db.prepare<[string]>(
      'INSERT INTO chats (chat_id) VALUES (?) ON CONFLICT (chat_id) DO NOTHING',
    ),
    insertJob: db.prepare<{
      id: string
      chatId: string
      threadId: number | null
      sequence: number
      deliveryKey: string
      message: string
      summaryLine: string
      low: number
      now: number
    }>(
      `INSERT INTO jobs (id, chat_id, thread_id, sequence, delivery_key, message, summary_line, attempts,
         not_before, created_at, low)
       VALUES (@id, @chatId, @threadId, @sequence, @deliveryKey, @message, @summaryLine, 0, @now, @now, @low)`,
    ),
    // A chat is ready when its own pause has passed, nobody holds a live claim on it and the FIRST job of
    // its line is due: a head backing off blocks the whole line, which keeps the chat's order. The head is
    // the first normal job, or the first low one when there is none. Chats that have waited longest go
    // first; a chat just served waits behind them (fairness under load).
    readyChats: db.prepare<{ now: number; limit: number }, { chat_id: string }>(
      `SELECT c.chat_id FROM chats c
       JOIN jobs h ON h.sequence = (
         SELECT j.sequence FROM jobs j WHERE j.chat_id = c.chat_id AND j.state = 'pending'
         ORDER BY j.low, j.sequence LIMIT 1
       )
       WHERE c.not_before <= @now
         AND (c.claim_token IS NULL OR c.claim_expires_at <= @now)
         AND h.not_before <= @now
       ORDER BY max(c.not_before, c.released_at, h.not_before), h.sequence
       LIMIT @limit`,
    ),
    lineHead: db.prepare<[string, number], JobRow>(
      "SELECT * FROM jobs WHERE chat_id = ? AND state = 'pending' ORDER BY low, sequence LIMIT ?",
    ),
    setClaim: db.prepare<{
      chatId: string
      token: string
      expiresAt: number
      through: number
      workerId: string
    }>(
      `UPDATE chats SET claim_token = @token, claim_expires_at = @expiresAt, claim_through = @through,
         claimed_by = @workerId
       WHERE chat_id = @chatId`,
    ),
    renewClaim: db.prepare<{ chatId: string; token: string; expiresAt: number }>(
      'UPDATE chats SET claim_expires_at = @expiresAt WHERE chat_id = @chatId AND claim_token = @token',
    ),
    claimOf: db.prepare<[string], { claim_token: string | null; claim_through: number | null }>(
      'SELECT claim_token, claim_through FROM chats WHERE chat_id = ?',
    ),
    // Outcomes only touch jobs of the claim (`sequence <= through`): the contract leaves the rest alone.
    deleteDone: db.prepare<{ id: string; chatId: string; through: number }>(
      "DELETE FROM jobs WHERE id = @id AND chat_id = @chatId AND state = 'pending' AND sequence <= @through",
    ),
    scheduleRetry: db.prepare<{
      id: string
      chatId: string
      through: number
      notBefore: number
      error: string
    }>(
      `UPDATE jobs SET attempts = attempts + 1, not_before = @notBefore, last_error = @error
       WHERE id = @id AND chat_id = @chatId AND state = 'pending' AND sequence <= @through`,
    ),
    markDead: db.prepare<{
      id: string
      chatId: string
      through: number
      reason: string
      error: string
      now: number
    }>(
      `UPDATE jobs SET state = 'dead', attempts = attempts + 1, last_error = @error, dead_reason = @reason,
         dead_at = @now
       WHERE id = @id AND chat_id = @chatId AND state = 'pending' AND sequence <= @through`,
    ),
    setChatNotBefore: db.prepare<[number, string]>('UPDATE chats SET not_before = ? WHERE chat_id = ?'),
    remainingLine: db.prepare<[string], { id: string }>(
      "SELECT id FROM jobs WHERE chat_id = ? AND state = 'pending' ORDER BY sequence",
    ),
    moveJob: db.prepare<{ id: string; chatId: string; sequence: number }>(
      'UPDATE jobs SET chat_id = @chatId, sequence = @sequence WHERE id = @id',
    ),
    releaseClaim: db.prepare<[number, string]>(
      `UPDATE chats SET claim_token = NULL, claim_expires_at = NULL, claim_through = NULL, claimed_by = NULL,
         released_at = ?
       WHERE chat_id = ?`,
    ),
    // An empty chat is kept while its pause lies ahead: a rate-limit wait must outlive its line.
    dropIfIdle: db.prepare<{ chatId: string; now: number }>(
      `DELETE FROM chats WHERE chat_id = @chatId AND not_before <= @now AND claim_token IS NULL
         AND NOT EXISTS (SELECT 1 FROM jobs WHERE chat_id = @chatId AND state = 'pending')`,
    ),
    listDead: db.prepare<[number], JobRow>(
      "SELECT * FROM jobs WHERE state = 'dead' ORDER BY dead_at, sequence LIMIT ?",
    ),
    allDead: db.prepare<[], { id: string; chat_id: string }>(
      "SELECT id, chat_id FROM jobs WHERE state = 'dead' ORDER BY dead_at, sequence",
    ),
    revive: db.prepare<{ id: string; sequence: number; now: number }>(
      `UPDATE jobs SET state = 'pending', sequence = @sequence, attempts = 0, not_before = @now,
         dead_reason = NULL, dead_at = NULL
       WHERE id = @id AND state = 'dead'`,
    ),
    stats: db.prepare<
      { now: number },
      { pending: number; claimed: number; dead: number; oldest: number | null }
    >(
      `SELECT
         (SELECT count(*) FROM jobs j JOIN chats c ON c.chat_id = j.chat_id
           WHERE j.state = 'pending' AND NOT (c.claim_token IS NOT NULL AND c.claim_expires_at > @now)) AS pending,
         (SELECT count(*) FROM jobs j JOIN chats c ON c.chat_id = j.chat_id
           WHERE j.state = 'pending' AND c.claim_token IS NOT NULL AND c.claim_expires_at > @now) AS claimed,
         (SELECT count(*) FROM jobs WHERE state = 'dead') AS dead,
         (SELECT min(created_at) FROM jobs WHERE state = 'pending') AS oldest`,
    ),
  }

  /** Reserves `count` consecutive sequence numbers and returns the first. */
  function takeSequences(count: number): number {
    const { value } = statements.takeSequences.get(count)!
    return value - count + 1
  }

  const enqueue = db.transaction((input: EnqueueInput): { accepted: boolean; jobIds: string[] } => {
    if (statements.findDelivery.get(input.deliveryKey, input.now)) return { accepted: false, jobIds: [] }
    statements.purgeDeliveries.run(input.now)
    statements.rememberDelivery.run(input.deliveryKey, input.now + input.dedupeTtlMs)
    if (input.jobs.length === 0) return { accepted: true, jobIds: [] }
    let sequence = takeSequences(input.jobs.length)
    const jobIds: string[] = []
    for (const job of input.jobs) {
      const id = crypto.randomUUID()
      statements.ensureChat.run(job.chatId)
      statements.insertJob.run({
        id,
        chatId: job.chatId,
        threadId: job.threadId ?? null,
        sequence: sequence++,
        deliveryKey: input.deliveryKey,
        message: encodeJobPayload(job),
        summaryLine: job.summaryLine,
        low: job.priority === 'low' ? 1 : 0,
        now: input.now,
      })
      jobIds.push(id)
    }
    return { accepted: true, jobIds }
  })

  const claim = db.transaction((input: ClaimInput): ClaimedChat[] => {
    const ready = statements.readyChats.all({ now: input.now, limit: input.maxChats })
    const claimed: ClaimedChat[] = []
    for (const { chat_id: chatId } of ready) {
      const jobs: QueuedJob[] = []
      let through = 0
      const rows = statements.lineHead.all(chatId, input.maxJobsPerChat)
      // One line per claim: the run ends where the lane changes.
      for (const row of rows) {
        if (row.not_before > input.now || row.low !== rows[0]!.low) break
        jobs.push(toQueuedJob(row))
        through = Math.max(through, row.sequence)
      }
      // readyChats checked the head is due, so `jobs` is never empty here.
      const claimToken = crypto.randomUUID()
      statements.setClaim.run({
        chatId,
        token: claimToken,
        expiresAt: input.now + input.leaseMs,
        through,
        workerId: input.workerId,
      })
      claimed.push({ chatId, claimToken, jobs })
    }
    return claimed
  })

  const settle = db.transaction(
    (chatId: ChatId, claimToken: string, outcome: SettleInput): { ok: boolean } => {
      // Only the token matters: if the lease expired but nobody took the chat over, the late worker's
      // outcome is still the truth about what it sent, and recording it avoids a duplicate.
      const row = statements.claimOf.get(chatId)
      if (!row || row.claim_token !== claimToken || row.claim_through === null) return { ok: false }
      const through = row.claim_through
      for (const id of outcome.done ?? []) statements.deleteDone.run({ id, chatId, through })
      for (const { id, notBefore, error } of outcome.retry ?? []) {
        statements.scheduleRetry.run({ id, chatId, through, notBefore, error })
      }
      for (const { id, reason, error } of outcome.dead ?? []) {
        statements.markDead.run({ id, chatId, through, reason, error, now: outcome.now })
      }
      if (outcome.chatNotBefore !== undefined) statements.setChatNotBefore.run(outcome.chatNotBefore, chatId)
      if (outcome.movedTo !== undefined && outcome.movedTo !== chatId) {
        const remaining = statements.remainingLine.all(chatId)
        if (remaining.length > 0) {
          statements.ensureChat.run(outcome.movedTo)
          // Fresh sequences put the moved jobs after the target's own line, in their old order.
          let sequence = takeSequences(remaining.length)
          for (const { id } of remaining)
            statements.moveJob.run({ id, chatId: outcome.movedTo, sequence: sequence++ })
        }
      }
      statements.releaseClaim.run(outcome.now, chatId)
      statements.dropIfIdle.run({ chatId, now: outcome.now })
      return { ok: true }
    },
  )

  const replayDead = db.transaction((options: { ids?: string[]; now: number }): number => {
    // Replayed in dead-letter order, whatever order the ids came in.
    const wanted = options.ids ? new Set(options.ids) : null
    const targets = statements.allDead.all().filter(({ id }) => wanted === null || wanted.has(id))
    if (targets.length === 0) return 0
    let sequence = takeSequences(targets.length)
    for (const { id, chat_id } of targets) {
      statements.ensureChat.run(chat_id)
      statements.revive.run({ id, sequence: sequence++, now: options.now })
    }
    return targets.length
  })

  return {
    enqueue(input) {
      return groupCommit.run(() => enqueue(input))
    },
    async claim(input) {
      if (!(input.maxChats >= 1) || !(input.maxJobsPerChat >= 1)) {
        throw new RangeError(
          `claim: maxChats and maxJobsPerChat must be >= 1, got ${input.maxChats}, ${input.maxJobsPerChat}`,
        )
      }
      return claim.immediate(input)
    },
    async settle(chatId, claimToken, outcome) {
      return settle.immediate(chatId, claimToken, outcome)
    },
    async renew(chatId, claimToken, { now, leaseMs }) {
      const { changes } = statements.renewClaim.run({ chatId, token: claimToken, expiresAt: now + leaseMs })
      return { ok: changes > 0 }
    },
    async listDead(options) {
      const limit = options?.limit === undefined ? -1 : Math.max(0, options.limit)
      return statements.listDead.all(limit).map(toDeadJob)
    },
    async replayDead(options) {
      return replayDead.immediate(options)
    },
    async stats(now): Promise<QueueStats> {
      const row = statements.stats.get({ now })!
      return {
        pending: row.pending,
        claimed: row.claimed,
        dead: row.dead,
        oldestPendingAgeMs: row.oldest === null ? null : now - row.oldest,
      }
    },
  }
}
