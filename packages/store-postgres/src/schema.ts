/**
 * The PostgreSQL schema, as an ordered list of migrations recorded in a one-row version table.
 *
 * Times the callers pass (queue `now`, key-value expiries) are epoch milliseconds in `double precision`:
 * exact for every integer millisecond and tolerant of a fractional one. Lease expiries are on the database
 * clock, as `bigint` milliseconds.
 *
 * @module
 */
import type { Tables } from './tables.ts'

/**
 * Migrations in order: entry `i` moves the schema from version `i` to `i + 1`, so the version this code
 * writes is their count. Append only; never edit a shipped entry, because databases already at that
 * version will not run it again.
 */
export function migrations(t: Tables): readonly string[] {
  return [
    `
    -- One row per job. Delivered jobs are deleted; dead ones stay with state 'dead' for listDead/replay.
    -- Free text (summary, errors) is stored as given; the message and render request as one JSON text.
    CREATE TABLE ${t.jobs} (
      id text PRIMARY KEY,
      chat_id text NOT NULL,
      thread_id bigint,
      sequence bigint NOT NULL,
      delivery_key text NOT NULL,
      payload text NOT NULL,
      summary_line text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      not_before double precision NOT NULL,
      created_at double precision NOT NULL,
      last_error text,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
      dead_reason text,
      dead_at double precision
    );
    -- A chat's line in order; partial so dead jobs never slow the head lookups.
    CREATE INDEX ${t.index('jobs_line')} ON ${t.jobs} (chat_id, sequence) WHERE state = 'pending';
    CREATE INDEX ${t.index('jobs_pending_age')} ON ${t.jobs} (created_at) WHERE state = 'pending';
    CREATE INDEX ${t.index('jobs_dead_order')} ON ${t.jobs} (dead_at, sequence) WHERE state = 'dead';
    -- Orders every chat's line (global is enough: per-chat order follows). A sequence, not a counter row,
    -- so concurrent enqueues never queue behind one row lock.
    CREATE SEQUENCE ${t.jobSequence};

    -- Per-chat pacing and claims. The jobs table alone says which chats have work: a chat row may be
    -- missing (claim creates it), which is what lets enqueue leave this table alone.
    CREATE TABLE ${t.chats} (
      chat_id text PRIMARY KEY,
      not_before double precision NOT NULL DEFAULT 0,
      released_at double precision NOT NULL DEFAULT 0,
      claim_token text,
      claim_expires_at double precision,
      claim_through bigint,
      claimed_by text
    );

    -- Remembered KeyCRM delivery keys, to suppress redeliveries.
    CREATE TABLE ${t.deliveries} (
      key text PRIMARY KEY,
      expires_at double precision NOT NULL
    );
    CREATE INDEX ${t.index('deliveries_expiry')} ON ${t.deliveries} (expires_at);

    -- Values are JSON text, compared as text by compareAndSet.
    CREATE TABLE ${t.kv} (
      key text PRIMARY KEY,
      value text NOT NULL,
      expires_at double precision
    );

    -- One row per lease name, never deleted: a release clears lease_id and expires_at, so the fencing
    -- token keeps counting up. expires_at is on the database clock, in ms.
    CREATE TABLE ${t.leases} (
      name text PRIMARY KEY,
      holder text NOT NULL,
      lease_id text,
      fencing_token bigint NOT NULL,
      expires_at bigint NOT NULL
    );

    -- The event log digests read: one row per accepted delivery, the record as JSON text.
    CREATE TABLE ${t.events} (
      seq bigserial PRIMARY KEY,
      delivery_key text NOT NULL UNIQUE,
      at double precision NOT NULL,
      record text NOT NULL
    );
    CREATE INDEX ${t.index('events_at')} ON ${t.events} (at, seq);
    `,
    `
    -- Priority lanes: a chat's low-priority jobs (low = true) are claimed only while it has no pending
    -- normal job. The line index leads with the lane, so the head lookups stay one index probe each.
    ALTER TABLE ${t.jobs} ADD COLUMN low boolean NOT NULL DEFAULT false;
    DROP INDEX ${t.schema}.${t.index('jobs_line')};
    CREATE INDEX ${t.index('jobs_line')} ON ${t.jobs} (chat_id, low, sequence) WHERE state = 'pending';
    `,
  ]
}
