/**
 * The part of a node-postgres `Pool` the store uses, typed structurally so that the published types do not
 * depend on `@types/pg`: any `pg.Pool` fits.
 *
 * @module
 */

/** What a query resolves: the rows, and how many rows a write touched. */
export interface PostgresQueryResult {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by each caller's cast, as pg's own typings do
  rows: any[]
  rowCount: number | null
}

/** A query as node-postgres takes it; `name` makes it a prepared statement cached per connection. */
export interface PostgresQuery {
  text: string
  values?: unknown[]
  name?: string
}

/** Something that runs queries: a pool, or one connection checked out of it. */
export interface PostgresQueryable {
  query(query: PostgresQuery): Promise<PostgresQueryResult>
}

/** A connection checked out of a pool for a transaction. */
export interface PostgresPoolClient extends PostgresQueryable {
  /** Returns the connection to the pool; pass the error to have a broken connection discarded. */
  release(error?: Error | boolean): void
}

/** A connection pool: `new pg.Pool(...)` from node-postgres, or anything with the same methods. */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresPoolClient>
  end(): Promise<void>
}
