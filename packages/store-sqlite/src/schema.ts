/**
 * The SQLite schema, as an ordered list of migrations tracked by `PRAGMA user_version`.
 *
 * @module
 */

/**
 * Migrations in order: entry `i` moves the schema from version `i` to `i + 1`. Append only; never edit a
 * shipped entry, because files already at that version will not run it again.
 */
export const migrations: readonly string[] = [
  `
  -- One row per job. Delivered jobs are deleted; dead ones stay with state 'dead' for listDead/replay.
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    thread_id INTEGER,
    sequence INTEGER NOT NULL UNIQUE,
    delivery_key TEXT NOT NULL,
    message TEXT NOT NULL,
    summary_line TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    dead_reason TEXT,
    dead_at INTEGER
  );
  -- A chat's line in order; partial so dead jobs never slow the head lookup.
  CREATE INDEX jobs_line ON jobs (chat_id, sequence) WHERE state = 'pending';
  CREATE INDEX jobs_pending_age ON jobs (created_at) WHERE state = 'pending';
  CREATE INDEX jobs_dead_order ON jobs (dead_at, sequence) WHERE state = 'dead';

  -- A chat row exists while it has jobs or a pause ahead. A claim covers the head run of its line, which
  -- is exactly its pending jobs up to claim_through: anything added meanwhile gets a greater sequence.
  CREATE TABLE chats (
    chat_id TEXT PRIMARY KEY,
    not_before INTEGER NOT NULL DEFAULT 0,
    released_at INTEGER NOT NULL DEFAULT 0,
    claim_token TEXT,
    claim_expires_at INTEGER,
    claim_through INTEGER,
    claimed_by TEXT
  );

  -- Remembered KeyCRM delivery keys, to suppress redeliveries.
  CREATE TABLE deliveries (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_expiry ON deliveries (expires_at);

  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER
  );

  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_id TEXT NOT NULL,
    fencing_token INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  -- Kept apart from leases so a released (deleted) lease never resets its name's fencing tokens.
  CREATE TABLE lease_fencing (
    name TEXT PRIMARY KEY,
    counter INTEGER NOT NULL
  );

  -- Monotonic counters; 'job_sequence' orders every chat's line (global is enough: per-chat order follows).
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT INTO counters (name, value) VALUES ('job_sequence', 0);
  `,
  `
  -- Version 2: the event log digests read. One row per accepted KeyCRM delivery (the key is unique, so a
  -- repeated append is a no-op); the record is JSON, queried by time only.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_key TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX events_at ON events (at, seq);
  `,
  `
  -- Version 3: priority lanes. A chat's low-priority jobs (low = 1) are claimed only while it has no
  -- pending normal job; the line index leads with the lane so the head lookup stays one index probe.
  ALTER TABLE jobs ADD COLUMN low INTEGER NOT NULL DEFAULT 0;
  DROP INDEX jobs_line;
  CREATE INDEX jobs_line ON jobs (chat_id, low, sequence) WHERE state = 'pending';
  `,
]

/** The schema version this code writes; a file with a higher `user_version` is refused. */
export const SCHEMA_VERSION: number = migrations.length
