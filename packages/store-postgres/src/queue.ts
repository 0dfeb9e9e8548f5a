/**
 * The durable, chat-centric queue on PostgreSQL, safe for any number of replicas on one database.
 *
 * - **enqueue** is one statement: the delivery key is remembered with `INSERT ... ON CONFLICT DO UPDATE
 *   ... WHERE expired`, which PostgreSQL resolves atomically among concurrent inserts of one key, and the
 *   jobs are inserted only if that row was written. It touches no chat row, so concurrent webhooks for
 *   one chat never wait on each other's commits.
 * - **claim** is two statements. The first finds each line's head (a loose index scan), locks the ready
 *   chats with `FOR UPDATE SKIP LOCKED` (creating the rows of chats that have none yet) and writes a claim
 *   token; the second, whose snapshot is taken after that commit, reads each chat's head run and records
 *   how far the claim reaches. Reading the run in its own statement matters: a snapshot older than the
 *   claim could still show jobs another worker's settle had just removed.
 * - **settle** is a short transaction that locks the chat row and checks the token first.
 *
 * Queue times are the `now` the callers pass, never the database clock.
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
  type RenewInput,
  type SettleInput,
} from '@keygram/core'
import { type Database, statement } from './database.ts'
import { storableText } from './text.ts'

interface JobRow {
  id: string
  chat_id: string
  thread_id: string | null
  sequence: string
  delivery_key: string
  payload: string
  summary_line: string
  attempts: number
  not_before: number
  created_at: number
  last_error: string | null
  dead_reason?: string | null
  dead_at?: number | null
  low: boolean
}

const JOB_COLUMNS =
  'id, chat_id, thread_id, sequence, delivery_key, payload, summary_line, attempts, not_before, created_at, last_error, low'

// Every so many enqueues one also deletes a batch of expired delivery keys: far more than were added
// meanwhile, so the table stays bounded, while most webhooks skip the extra work (it measured ~20%).
const PURGE_EVERY = 32
const PURGE_BATCH = 128

function toQueuedJob(row: JobRow): QueuedJob {
  const { message, render, summary } = decodeJobPayload(row.payload)
  const job: QueuedJob = {
    id: row.id,
    chatId: row.chat_id,
    message,
    summaryLine: row.summary_line,
    deliveryKey: row.delivery_key,
    sequence: Number(row.sequence),
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    lastError: row.last_error,
  }
  if (row.thread_id !== null) job.threadId = Number(row.thread_id)
  if (render !== undefined) job.render = render
  if (row.low) job.priority = 'low'
  if (summary !== undefined) job.summary = summary
  return job
}

function toDeadJob(row: JobRow): DeadJob {
  return { ...toQueuedJob(row), reason: row.dead_reason ?? 'unknown', deadAt: row.dead_at ?? 0 }
}

/**
 * What a settle does to each job, resolved the way the reference store applies an outcome: `done` first,
 * then `retry` (repeats add up, the last one's time and error win), then `dead` (the first entry per job
 * wins, keeping what the retries before it did). Each job ends in exactly one list, so one statement can apply
 * them all.
 */
function resolveOutcome(outcome: SettleInput) {
  const done = new Set(outcome.done ?? [])
  const retries = new Map<string, { notBefore: number; error: string; bump: number }>()
  for (const { id, notBefore, error } of outcome.retry ?? []) {
    if (done.has(id)) continue
    retries.set(id, { notBefore, error, bump: (retries.get(id)?.bump ?? 0) + 1 })
  }
  const dead = new Map<string, { reason: string; error: string; bump: number; notBefore: number | null }>()
  for (const { id, reason, error } of outcome.dead ?? []) {
    if (done.has(id) || dead.has(id)) continue
    const retried = retries.get(id)
    dead.set(id, { reason, error, bump: (retried?.bump ?? 0) + 1, notBefore: retried?.notBefore ?? null })
    retries.delete(id)
  }
  return { done: [...done], retries: [...retries], dead: [...dead] }
}

/** Builds the {@link QueueStore} over the store's database. */
export function createPostgresQueue(db: Database): QueueStore {
  const { jobs, chats, deliveries, jobSequence } = db.tables
  const nextSequence = `nextval('${jobSequence}')`

  const enqueueText = (purge: boolean) => `
    WITH ${
      purge
        ? `purged AS (
      DELETE FROM ${deliveries} WHERE key IN (
        SELECT key FROM ${deliveries} WHERE expires_at <= $3 AND key <> $1
        ORDER BY expires_at LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED
      )
    ),`
        : ''
    }
    delivery AS (
      INSERT INTO ${deliveries} AS d (key, expires_at) VALUES ($1, $2)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE d.expires_at <= $3
      RETURNING true AS accepted
    ),
    added AS (
      -- ORDER BY before the volatile nextval: PostgreSQL evaluates it after the sort, in job order.
      INSERT INTO ${jobs} (id, chat_id, thread_id, sequence, delivery_key, payload, summary_line, not_before,
        created_at, low)
      SELECT t.id, t.chat_id, t.thread_id, ${nextSequence}, $1, t.payload, t.summary_line, $3, $3, t.low
      FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::boolean[])
        WITH ORDINALITY AS t(id, chat_id, thread_id, payload, summary_line, low, ord)
      WHERE EXISTS (SELECT 1 FROM delivery)
      ORDER BY t.ord
    )
    SELECT EXISTS (SELECT 1 FROM delivery) AS accepted`
  const enqueue = statement(enqueueText(false))
  const enqueueAndPurge = statement(enqueueText(true))
  let enqueues = 0

  // $1 now, $2 maxChats, $3 leaseMs, $4 workerId. A chat is ready when its own pause has passed, nobody
  // holds a live claim on it and the FIRST job of its line is due: a head backing off blocks the line,
  // which keeps the chat's order. The head is the first normal job, else the first low-priority one. Chats
  // that waited longest go first; one just served waits behind them.
  const claimChats = statement(`
    WITH RECURSIVE heads AS (
      (SELECT chat_id, sequence, not_before FROM ${jobs}
        WHERE state = 'pending' ORDER BY chat_id, low, sequence LIMIT 1)
      UNION ALL
      SELECT next.chat_id, next.sequence, next.not_before FROM heads h CROSS JOIN LATERAL (
        SELECT j.chat_id, j.sequence, j.not_before FROM ${jobs} j
        WHERE j.state = 'pending' AND j.chat_id > h.chat_id ORDER BY j.chat_id, j.low, j.sequence LIMIT 1
      ) next
    ),
    ready AS (
      SELECT h.chat_id, h.sequence, c.chat_id IS NOT NULL AS has_row,
        greatest(c.not_before, c.released_at, h.not_before) AS waiting_since
      FROM heads h LEFT JOIN ${chats} c ON c.chat_id = h.chat_id
      WHERE h.not_before <= $1
        AND (c.chat_id IS NULL OR (c.not_before <= $1 AND (c.claim_token IS NULL OR c.claim_expires_at <= $1)))
      ORDER BY waiting_since, h.sequence
      LIMIT $2
    ),
    locked AS (
      -- Re-checked on the newest row version: a claim another worker committed meanwhile excludes it.
      SELECT c.chat_id FROM ${chats} c
      WHERE c.chat_id IN (SELECT chat_id FROM ready WHERE has_row)
        AND c.not_before <= $1 AND (c.claim_token IS NULL OR c.claim_expires_at <= $1)
      FOR UPDATE SKIP LOCKED
    ),
    claimed AS (
      UPDATE ${chats} c SET claim_token = gen_random_uuid()::text, claim_expires_at = $1 + $3,
        claim_through = NULL, claimed_by = $4
      FROM locked l WHERE c.chat_id = l.chat_id
      RETURNING c.chat_id, c.claim_token
    ),
    created AS (
      INSERT INTO ${chats} (chat_id, claim_token, claim_expires_at, claimed_by)
      SELECT chat_id, gen_random_uuid()::text, $1 + $3, $4 FROM ready WHERE NOT has_row ORDER BY chat_id
      ON CONFLICT (chat_id) DO NOTHING
      RETURNING chat_id, claim_token
    )
    SELECT r.chat_id, k.claim_token FROM ready r
    JOIN (SELECT chat_id, claim_token FROM claimed UNION ALL SELECT chat_id, claim_token FROM created) k
      ON k.chat_id = r.chat_id
    ORDER BY r.waiting_since, r.sequence`)

  // $1 chat ids, $2 their claim tokens, $3 now, $4 maxJobsPerChat. The head run stops at the first job
  // that is not due, and at the end of the head's lane (one line per claim). A claim whose line turned out
  // empty or not due (settled meanwhile) is dropped.
  const claimRuns = statement(`
    WITH claims AS (
      SELECT * FROM unnest($1::text[], $2::text[]) AS k(chat_id, token)
    ),
    runs AS (
      SELECT line.* FROM claims k CROSS JOIN LATERAL (
        SELECT head.*,
          bool_and(head.not_before <= $3 AND head.low = head.head_low) OVER (ORDER BY head.low, head.sequence)
            AS due
        FROM (
          SELECT ${JOB_COLUMNS}, bool_and(low) OVER () AS head_low FROM (
            SELECT ${JOB_COLUMNS} FROM ${jobs}
            WHERE chat_id = k.chat_id AND state = 'pending' ORDER BY low, sequence LIMIT $4
          ) lane
        ) head
      ) line
      WHERE line.due
    ),
    throughs AS (
      SELECT chat_id, max(sequence) AS through FROM runs GROUP BY chat_id
    ),
    marked AS (
      UPDATE ${chats} c SET claim_through = t.through
      FROM throughs t JOIN claims k ON k.chat_id = t.chat_id
      WHERE c.chat_id = t.chat_id AND c.claim_token = k.token
      RETURNING c.chat_id
    ),
    dropped AS (
      UPDATE ${chats} c SET claim_token = NULL, claim_expires_at = NULL, claim_through = NULL, claimed_by = NULL
      FROM claims k
      WHERE c.chat_id = k.chat_id AND c.claim_token = k.token
        AND NOT EXISTS (SELECT 1 FROM throughs t WHERE t.chat_id = k.chat_id)
    )
    SELECT ${JOB_COLUMNS} FROM runs WHERE chat_id IN (SELECT chat_id FROM marked) ORDER BY chat_id, sequence`)

  const renewClaim = statement(
    `UPDATE ${chats} SET claim_expires_at = $3 WHERE chat_id = $1 AND claim_token = $2`,
  )

  const lockClaim = statement(
    `SELECT claim_through FROM ${chats} WHERE chat_id = $1 AND claim_token = $2 FOR UPDATE`,
  )

  // Outcomes only touch jobs of the claim (`sequence <= through`): the contract leaves the rest alone.
  const applyOutcome = statement(`
    WITH done AS (
      DELETE FROM ${jobs}
      WHERE chat_id = $1 AND state = 'pending' AND sequence <= $2 AND id = ANY($3::text[])
    ),
    retried AS (
      UPDATE ${jobs} j SET attempts = j.attempts + r.bump, not_before = r.not_before, last_error = r.error
      FROM unnest($4::text[], $5::double precision[], $6::text[], $7::integer[]) AS r(id, not_before, error, bump)
      WHERE j.id = r.id AND j.chat_id = $1 AND j.state = 'pending' AND j.sequence <= $2
    ),
    died AS (
      UPDATE ${jobs} j SET state = 'dead', attempts = j.attempts + d.bump, last_error = d.error,
        dead_reason = d.reason, dead_at = $11, not_before = coalesce(d.not_before, j.not_before)
      FROM unnest($8::text[], $9::text[], $10::text[], $12::integer[], $13::double precision[])
        AS d(id, reason, error, bump, not_before)
      WHERE j.id = d.id AND j.chat_id = $1 AND j.state = 'pending' AND j.sequence <= $2
    )
    SELECT 1`)

  // Fresh sequences put the moved jobs after the target's own line, in their old order.
  const moveLine = statement(`
    UPDATE ${jobs} j SET chat_id = $2, sequence = moved.sequence
    FROM (
      SELECT line.id, ${nextSequence} AS sequence FROM (
        SELECT id FROM ${jobs} WHERE chat_id = $1 AND state = 'pending' ORDER BY sequence
      ) line
    ) moved
    WHERE j.id = moved.id`)

  // Releases the claim; an emptied chat whose pause has passed loses its row (claim recreates it).
  const releaseChat = statement(`
    WITH dropped AS (
      DELETE FROM ${chats}
      WHERE chat_id = $1 AND coalesce($2::double precision, not_before) <= $3
        AND NOT EXISTS (SELECT 1 FROM ${jobs} WHERE chat_id = $1 AND state = 'pending')
      RETURNING 1
    )
    UPDATE ${chats} SET claim_token = NULL, claim_expires_at = NULL, claim_through = NULL, claimed_by = NULL,
      released_at = $3, not_before = coalesce($2::double precision, not_before)
    WHERE chat_id = $1 AND NOT EXISTS (SELECT 1 FROM dropped)`)

  const listDead = statement(`
    SELECT ${JOB_COLUMNS}, dead_reason, dead_at FROM ${jobs}
    WHERE state = 'dead' ORDER BY dead_at, sequence LIMIT $1`)

  // Replayed in dead-letter order, whatever order the ids came in; a concurrent replay of the same job
  // waits on its row lock and then finds it no longer dead.
  const replayDead = statement(`
    WITH targets AS (
      SELECT id FROM ${jobs}
      WHERE state = 'dead' AND ($1::text[] IS NULL OR id = ANY($1::text[]))
      ORDER BY dead_at, sequence
      FOR UPDATE
    ),
    numbered AS (
      SELECT id, ${nextSequence} AS sequence FROM targets
    )
    UPDATE ${jobs} j SET state = 'pending', sequence = n.sequence, attempts = 0, not_before = $2,
      dead_reason = NULL, dead_at = NULL
    FROM numbered n WHERE j.id = n.id`)

  const stats = statement(`
    SELECT
      (SELECT count(*) FROM ${jobs} j LEFT JOIN ${chats} c ON c.chat_id = j.chat_id
        WHERE j.state = 'pending' AND (c.claim_token IS NULL OR c.claim_expires_at <= $1)) AS pending,
      (SELECT count(*) FROM ${jobs} j JOIN ${chats} c ON c.chat_id = j.chat_id
        WHERE j.state = 'pending' AND c.claim_token IS NOT NULL AND c.claim_expires_at > $1) AS claimed,
      (SELECT count(*) FROM ${jobs} WHERE state = 'dead') AS dead,
      (SELECT min(created_at) FROM ${jobs} WHERE state = 'pending') AS oldest`)

  return {
    async enqueue(input: EnqueueInput) {
      const ids = input.jobs.map(() => crypto.randomUUID())
      const { rows } = await db.run(++enqueues % PURGE_EVERY === 0 ? enqueueAndPurge : enqueue, [
        input.deliveryKey,
        input.now + input.dedupeTtlMs,
        input.now,
        ids,
        input.jobs.map((job) => job.chatId),
        input.jobs.map((job) => job.threadId ?? null),
        input.jobs.map((job) => encodeJobPayload(job)),
        input.jobs.map((job) => storableText(job.summaryLine)),
        input.jobs.map((job) => job.priority === 'low'),
      ])
      return rows[0]?.accepted === true ? { accepted: true, jobIds: ids } : { accepted: false, jobIds: [] }
    },

    async claim(input: ClaimInput) {
      if (!(input.maxChats >= 1) || !(input.maxJobsPerChat >= 1)) {
        throw new RangeError(
          `claim: maxChats and maxJobsPerChat must be >= 1, got ${input.maxChats}, ${input.maxJobsPerChat}`,
        )
      }
      const { rows: claims } = await db.run(claimChats, [
        input.now,
        Math.floor(input.maxChats),
        input.leaseMs,
        input.workerId,
      ])
      if (claims.length === 0) return []
      const { rows } = await db.run(claimRuns, [
        claims.map((claim) => claim.chat_id),
        claims.map((claim) => claim.claim_token),
        input.now,
        Math.floor(input.maxJobsPerChat),
      ])
      const runs = new Map<string, QueuedJob[]>()
      for (const row of rows as JobRow[]) {
        const run = runs.get(row.chat_id)
        if (run) run.push(toQueuedJob(row))
        else runs.set(row.chat_id, [toQueuedJob(row)])
      }
      const claimed: ClaimedChat[] = []
      for (const { chat_id: chatId, claim_token: claimToken } of claims) {
        const jobsOfChat = runs.get(chatId)
        if (jobsOfChat) claimed.push({ chatId, claimToken, jobs: jobsOfChat })
      }
      return claimed
    },

    async settle(chatId: ChatId, claimToken: string, outcome: SettleInput) {
      const { done, retries, dead } = resolveOutcome(outcome)
      return db.transaction(async (tx) => {
        // Only the token matters: if the lease expired but nobody took the chat over, the late worker's
        // outcome is still the truth about what it sent, and recording it avoids a duplicate.
        const { rows } = await tx.run(lockClaim, [chatId, claimToken])
        const through = rows[0]?.claim_through
        if (through === undefined || through === null) return { ok: false }
        if (done.length + retries.length + dead.length > 0) {
          await tx.run(applyOutcome, [
            chatId,
            through,
            done,
            retries.map(([id]) => id),
            retries.map(([, retry]) => retry.notBefore),
            retries.map(([, retry]) => storableText(retry.error)),
            retries.map(([, retry]) => retry.bump),
            dead.map(([id]) => id),
            dead.map(([, entry]) => storableText(entry.reason)),
            dead.map(([, entry]) => storableText(entry.error)),
            outcome.now,
            dead.map(([, entry]) => entry.bump),
            dead.map(([, entry]) => entry.notBefore),
          ])
        }
        if (outcome.movedTo !== undefined && outcome.movedTo !== chatId) {
          await tx.run(moveLine, [chatId, outcome.movedTo])
        }
        await tx.run(releaseChat, [chatId, outcome.chatNotBefore ?? null, outcome.now])
        return { ok: true }
      })
    },

    async renew(chatId: ChatId, claimToken: string, { now, leaseMs }: RenewInput) {
      const { rowCount } = await db.run(renewClaim, [chatId, claimToken, now + leaseMs])
      return { ok: (rowCount ?? 0) > 0 }
    },

    async listDead(options?: { limit?: number }) {
      const limit = options?.limit === undefined ? null : Math.max(0, Math.floor(options.limit))
      const { rows } = await db.run(listDead, [limit])
      return (rows as JobRow[]).map(toDeadJob)
    },

    async replayDead(options: { ids?: string[]; now: number }) {
      const { rowCount } = await db.run(replayDead, [options.ids ?? null, options.now])
      return rowCount ?? 0
    },

    async stats(now: number): Promise<QueueStats> {
      const { rows } = await db.run(stats, [now])
      const row = rows[0] as { pending: string; claimed: string; dead: string; oldest: number | null }
      return {
        pending: Number(row.pending),
        claimed: Number(row.claimed),
        dead: Number(row.dead),
        oldestPendingAgeMs: row.oldest === null ? null : now - row.oldest,
      }
    },
  }
}
