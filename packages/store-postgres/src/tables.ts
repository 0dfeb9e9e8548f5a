/**
 * Where the store's tables live: a schema and a table-name prefix, validated and quoted once.
 *
 * @module
 */

/** The quoted, schema-qualified names of everything the store creates. */
export interface Tables {
  /** The schema, quoted. */
  readonly schema: string
  /** The raw (unquoted) schema name, for catalog lookups. */
  readonly schemaName: string
  /** A key naming this schema + prefix, for the advisory lock that serialises migrations. */
  readonly lockKey: string
  readonly version: string
  readonly jobs: string
  readonly jobSequence: string
  readonly chats: string
  readonly deliveries: string
  readonly kv: string
  readonly leases: string
  readonly events: string
  /** An index or constraint name (unqualified: PostgreSQL puts it in its table's schema). */
  index(name: string): string
}

// Lower case only, so the quoted names equal what an unquoted `keygram_jobs` in psql means.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/
// PostgreSQL truncates identifiers past 63 bytes; the longest name built is the prefix + 'jobs_pending_age'.
const MAX_PREFIX_LENGTH = 40

/**
 * Validates `schema` and `prefix` and builds the names. Both end up inside SQL text (identifiers cannot be
 * bound as parameters), hence the strict pattern.
 *
 * @throws {TypeError} when either is not a lower-case SQL identifier of a sane length.
 */
export function tablesFor(schema: string, prefix: string): Tables {
  if (!IDENTIFIER.test(schema) || schema.length > 63) {
    throw new TypeError(
      `postgresStore: schema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters), got ${JSON.stringify(schema)}`,
    )
  }
  if (prefix !== '' && (!IDENTIFIER.test(prefix) || prefix.length > MAX_PREFIX_LENGTH)) {
    throw new TypeError(
      `postgresStore: tablePrefix must be empty or a lower-case identifier ([a-z_][a-z0-9_]*, at most ${MAX_PREFIX_LENGTH} characters), got ${JSON.stringify(prefix)}`,
    )
  }
  const table = (name: string) => `"${schema}"."${prefix}${name}"`
  return {
    schema: `"${schema}"`,
    schemaName: schema,
    lockKey: `keygram-schema:${schema}.${prefix}`,
    version: table('schema_version'),
    jobs: table('jobs'),
    jobSequence: table('job_sequence'),
    chats: table('chats'),
    deliveries: table('deliveries'),
    kv: table('kv'),
    leases: table('leases'),
    events: table('events'),
    index: (name) => `"${prefix}${name}"`,
  }
}
