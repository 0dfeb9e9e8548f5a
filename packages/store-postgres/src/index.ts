/**
 * `@keygram/store-postgres`: the Keygram store for several replicas sharing one PostgreSQL database
 * (node-postgres): durable delivery queue, redelivery suppression, key-values, the event log and the
 * single-instance guard with fencing tokens.
 *
 * @module
 */
export type {
  PostgresPool,
  PostgresPoolClient,
  PostgresQuery,
  PostgresQueryable,
  PostgresQueryResult,
} from './pool.ts'
export { redactPostgresUrl } from './redact.ts'
export { type PostgresStoreOptions, postgresStore } from './store.ts'
