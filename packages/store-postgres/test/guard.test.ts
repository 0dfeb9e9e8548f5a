import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LeaseLostError } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { POSTGRES_URL, postgresFixture } from './helpers.ts'

describe('postgresStore guard', () => {
  let fixture: ReturnType<typeof postgresFixture>

  beforeEach(() => {
    fixture = postgresFixture()
  })
  afterEach(() => fixture.cleanup())

  it('keeps the lease row and its fencing counter after a release; the next grant counts on', async () => {
    const { guard } = fixture.open()
    const admin = await fixture.admin()
    const lease = await guard.acquire({ name: 'polling:42', ttl: 10_000, holder: 'pod a' })
    expect(lease!.fencingToken).toBe(1)
    await lease!.release()
    const { rows } = await admin.query(
      `SELECT holder, lease_id, fencing_token::int AS token, expires_at::float8 AS expires_at
       FROM "${fixture.schema}".keygram_leases WHERE name = 'polling:42'`,
    )
    expect(rows).toEqual([{ holder: 'pod a', lease_id: null, token: 1, expires_at: 0 }])
    const tokens: number[] = []
    for (let round = 0; round < 3; round++) {
      const next = await guard.acquire({ name: 'polling:42', ttl: 10_000 })
      tokens.push(next!.fencingToken)
      await next!.release()
    }
    expect(tokens).toEqual([2, 3, 4])
    const other = await guard.acquire({ name: 'other', ttl: 10_000 })
    expect(other!.fencingToken).toBe(1)
    await other!.release()
  })

  it('reports expiries on the store clock', async () => {
    const { guard } = fixture.open({ clock: () => 5_000_000 })
    const lease = await guard.acquire({ name: 'clocked', ttl: 10_000 })
    expect(lease!.expiresAt).toBe(5_010_000)
    const info = await guard.inspect('clocked')
    expect(info!.expiresAt).toBeGreaterThan(5_009_000)
    expect(info!.expiresAt).toBeLessThanOrEqual(5_010_000)
    await lease!.release()
  })

  it('expires leases on the database clock: a replica whose clock runs an hour fast cannot take over', async () => {
    const honest = fixture.open()
    const hasty = fixture.open({ clock: () => Date.now() + 3_600_000 })
    const lease = await honest.guard.acquire({ name: 'skewed', ttl: 10_000, holder: 'honest' })
    expect(await hasty.guard.acquire({ name: 'skewed', ttl: 10_000, holder: 'hasty' })).toBeNull()
    expect((await hasty.guard.inspect('skewed'))!.holder).toBe('honest')
    await lease!.release()
  })

  it('renew after a takeover resolves false with reason taken_over and leaves the new lease alone', async () => {
    const [a, b] = [fixture.open(), fixture.open()]
    const admin = await fixture.admin()
    const lease = await a.guard.acquire({ name: 'n', ttl: 10_000 })
    // Simulate the holder pausing past its lease: the row lapses and a rival takes over.
    await admin.query(`UPDATE "${fixture.schema}".keygram_leases SET expires_at = 0 WHERE name = 'n'`)
    const rival = await b.guard.acquire({ name: 'n', ttl: 10_000, holder: 'rival' })
    expect(rival!.fencingToken).toBe(lease!.fencingToken + 1)
    expect(await lease!.renew()).toBe(false)
    expect(lease!.signal.reason).toBeInstanceOf(LeaseLostError)
    expect((lease!.signal.reason as LeaseLostError).reason).toBe('taken_over')
    await lease!.release()
    const info = await a.guard.inspect('n')
    expect(info).toMatchObject({ holder: 'rival', fencingToken: rival!.fencingToken })
    expect(info!.expiresAt - Date.now()).toBeGreaterThan(9000)
    await rival!.release()
  })

  it('close aborts the leases it handed out', async () => {
    const store = fixture.open()
    const lease = await store.guard.acquire({ name: 'poll', ttl: 10_000 })
    await store.close()
    expect(lease!.signal.aborted).toBe(true)
    expect((lease!.signal.reason as LeaseLostError).reason).toBe('closed')
  })

  it('does not keep the process alive: a child holding a 60 s lease exits once it closes the store', async () => {
    const script = fileURLToPath(new URL('./fixtures/hold-lease.ts', import.meta.url))
    const started = Date.now()
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, POSTGRES_URL, fixture.schema], {
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('acquired')
    expect(child.status).toBe(0)
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
