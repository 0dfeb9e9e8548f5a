import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { postgresStore, redactPostgresUrl } from '../src/index.ts'
import { job, POSTGRES_URL, postgresFixture } from './helpers.ts'

describe('postgresStore setup', () => {
  let fixture: ReturnType<typeof postgresFixture>

  beforeEach(() => {
    fixture = postgresFixture()
  })
  afterEach(() => fixture.cleanup())

  it('creates its schema and tables on first use, once, when eight replicas start at the same moment', async () => {
    const replicas = Array.from({ length: 8 }, () => fixture.open())
    const results = await Promise.all(
      replicas.map((store, index) =>
        store.queue.enqueue({
          deliveryKey: `start-${index}`,
          dedupeTtlMs: 60_000,
          jobs: [job('-1', `${index}`)],
          now: 1000,
        }),
      ),
    )
    expect(results.every((result) => result.accepted)).toBe(true)
    expect((await replicas[0]!.queue.stats(1000)).pending).toBe(8)
    const admin = await fixture.admin()
    const { rows } = await admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [fixture.schema],
    )
    expect(rows.map((row) => row.table_name)).toEqual([
      'keygram_chats',
      'keygram_deliveries',
      'keygram_events',
      'keygram_jobs',
      'keygram_kv',
      'keygram_leases',
      'keygram_schema_version',
    ])
    const version = await admin.query(`SELECT version FROM "${fixture.schema}".keygram_schema_version`)
    expect(version.rows).toEqual([{ version: 2 }])
  })

  it('refuses a schema written by a newer version instead of corrupting it', async () => {
    await fixture.open().ping()
    const admin = await fixture.admin()
    await admin.query(`UPDATE "${fixture.schema}".keygram_schema_version SET version = 99`)
    const store = fixture.open()
    await expect(store.kv.get('x')).rejects.toThrow(
      /version 99, newer than this @keygram\/store-postgres supports \(2\)/,
    )
    await expect(store.ping()).rejects.toThrow(/newer than this/)
  })

  it('keeps stores with different table prefixes in one schema apart', async () => {
    const [a, b] = [fixture.open({ tablePrefix: 'shop_a_' }), fixture.open({ tablePrefix: 'shop_b_' })]
    await a.kv.set('k', 'a')
    await b.kv.set('k', 'b')
    expect(
      (await a.queue.enqueue({ deliveryKey: 'd', dedupeTtlMs: 60_000, jobs: [job('-1', 'x')], now: 0 }))
        .accepted,
    ).toBe(true)
    expect(
      (await b.queue.enqueue({ deliveryKey: 'd', dedupeTtlMs: 60_000, jobs: [job('-1', 'x')], now: 0 }))
        .accepted,
    ).toBe(true)
    expect([await a.kv.get('k'), await b.kv.get('k')]).toEqual(['a', 'b'])
    const lease = await a.guard.acquire({ name: 'poll', ttl: 10_000 })
    expect(await b.guard.inspect('poll')).toBeNull()
    await lease!.release()
  })

  it('refuses names that are not plain identifiers, and url together with pool', () => {
    expect(() => postgresStore({ url: POSTGRES_URL, schema: 'Keygram' })).toThrow(TypeError)
    expect(() => postgresStore({ url: POSTGRES_URL, schema: 'a"; DROP TABLE x; --' })).toThrow(
      /schema must be/,
    )
    expect(() => postgresStore({ url: POSTGRES_URL, tablePrefix: 'a b' })).toThrow(/tablePrefix must be/)
    expect(() => postgresStore({ url: POSTGRES_URL, tablePrefix: 'x'.repeat(41) })).toThrow(/at most 40/)
    const pool = {
      query: async () => ({ rows: [], rowCount: 0 }),
      connect: async () => never(),
      end: async () => {},
    }
    expect(() => postgresStore({ url: POSTGRES_URL, pool })).toThrow(/either url or pool/)
  })

  it('fails ping within seconds, with an error that names the server and hides the password', async () => {
    const store = postgresStore({
      url: 'postgres://keygram:s3cret-pass@127.0.0.1:1/keygram',
      schema: fixture.schema,
    })
    try {
      const started = Date.now()
      const error = await store.ping().then(
        () => null,
        (caught: unknown) => caught as Error,
      )
      expect(Date.now() - started).toBeLessThan(5000)
      expect(error).toBeInstanceOf(Error)
      expect(error!.message).toMatch(
        /^PostgreSQL at postgres:\/\/keygram:\*\*\*@127\.0\.0\.1:1\/keygram did not answer: /,
      )
      expect(error!.message).toContain('ECONNREFUSED')
      expect(error!.message).not.toContain('s3cret')
    } finally {
      await store.close()
    }
  })

  it('refuses an unparsable URL without echoing it', () => {
    const attempt = () => postgresStore({ url: 'postgres://u:s3cret@[bad' })
    expect(attempt).toThrow(TypeError)
    expect(attempt).not.toThrow(/s3cret/)
  })

  it('redacts passwords in URLs, in the user part and as a query parameter', () => {
    expect(redactPostgresUrl('postgres://u:pw@db:5432/x')).toBe('postgres://u:***@db:5432/x')
    expect(redactPostgresUrl('postgresql://db/x?password=pw&sslmode=require')).toBe(
      'postgresql://db/x?password=***&sslmode=require',
    )
    expect(redactPostgresUrl('postgres://db/x')).toBe('postgres://db/x')
    expect(redactPostgresUrl('::')).toBe('<unparseable PostgreSQL URL>')
  })

  it('lives through the server dropping its idle connections, and works again on the next call', async () => {
    const name = `keygram_drop_${Math.random().toString(36).slice(2, 10)}`
    const url = new URL(POSTGRES_URL)
    url.searchParams.set('application_name', name)
    const store = postgresStore({ url: url.toString(), schema: fixture.schema })
    try {
      await Promise.all([store.kv.set('a', 1), store.kv.set('b', 2), store.ping()])
      const admin = await fixture.admin()
      const dropped = await admin.query(
        'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t',
        [name],
      )
      expect(dropped.rows[0].n).toBeGreaterThan(0)
      // Without the pool's error listener, the dropped idle connection would crash the test process here.
      await new Promise((resolve) => setTimeout(resolve, 200))
      await store.ping()
      expect(await store.kv.get('b')).toBe(2)
    } finally {
      await store.close()
    }
  })

  it('rejects calls after close, and close is idempotent', async () => {
    const store = fixture.open()
    await store.ping()
    await store.close()
    await store.close()
    await expect(store.kv.get('x')).rejects.toThrow(/closed/)
    await expect(store.queue.stats(0)).rejects.toThrow(/closed/)
  })
})

function never(): never {
  throw new Error('not used')
}
