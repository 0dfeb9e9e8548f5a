import type { KeygramStore } from '@keygram/core'
import { testStoreReplicas } from '@keygram/testing'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.ts'
import {
  connect,
  deletePrefix,
  enqueue,
  job,
  keysUnder,
  REDIS_URL,
  redisFixture,
  uniquePrefix,
} from './helpers.ts'

const T0 = 1_767_225_600_000

// Every test of the shared suite gets a fresh prefix; each replica owns its connection (the `url` path),
// as a deployed replica would.
testStoreReplicas('redis', async () => {
  // Fails at once when Redis is unreachable, instead of letting each test time out.
  const admin = await connect()
  const prefix = uniquePrefix()
  const stores: KeygramStore[] = []
  return {
    open() {
      const store = redisStore({ url: REDIS_URL, prefix })
      stores.push(store)
      return store
    },
    async cleanup() {
      for (const store of stores.splice(0)) await store.close()
      await deletePrefix(admin, prefix)
      await admin.quit()
    },
  }
})

describe('redisStore connections and keys', () => {
  let fixture: ReturnType<typeof redisFixture>

  beforeEach(() => {
    fixture = redisFixture()
  })
  afterEach(() => fixture.cleanup())

  it('closes the connection it opened, and leaves a given client open', async () => {
    const client = await connect()
    const borrowed = redisStore({ client, prefix: fixture.prefix })
    await borrowed.ping()
    await borrowed.close()
    await borrowed.close()
    expect(await client.ping()).toBe('PONG')
    await client.quit()

    const owning = redisStore({ url: REDIS_URL, prefix: fixture.prefix })
    await owning.ping()
    await owning.close()
    await owning.close()
    await expect(owning.ping()).rejects.toThrow(/did not answer PING/)
  })

  it('applies a client keyPrefix to every key, queue scripts included', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: `${fixture.prefix}outer:` })
    const store = redisStore({ client, prefix: 'inner:' })
    try {
      await enqueue(store, T0, job('c', 'c1'))
      await store.kv.set('k', 1)
      const lease = await store.guard.acquire({ name: 'g', ttl: 10_000 })
      const admin = await fixture.admin()
      const keys = await keysUnder(admin, fixture.prefix)
      expect(keys.length).toBeGreaterThan(5)
      expect(keys.every((key) => key.startsWith(`${fixture.prefix}outer:inner:`))).toBe(true)
      expect(keys).toContain(`${fixture.prefix}outer:inner:kv:k`)
      expect(await store.kv.get('k')).toBe(1)
      await lease!.release()
    } finally {
      await client.quit()
    }
  })

  it('fails ping with a clear error that hides the password when Redis cannot be reached', async () => {
    const store = redisStore({ url: 'redis://:s3cret-pass@127.0.0.1:1', prefix: fixture.prefix })
    try {
      const error = await store.ping().then(
        () => null,
        (caught: unknown) => caught as Error,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error!.message).toMatch(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/? did not answer PING/)
      expect(error!.message).toContain('ECONNREFUSED')
      expect(error!.message).not.toContain('s3cret')
    } finally {
      await store.close()
    }
  })

  it('cleans up with SCAN + DEL: nothing is left under the prefix', async () => {
    const store = await fixture.open()
    await enqueue(store, T0, job('z', 'z1'))
    await store.kv.set('x', 1)
    const admin = await connect()
    try {
      expect((await keysUnder(admin, fixture.prefix)).length).toBeGreaterThan(0)
      expect(await deletePrefix(admin, fixture.prefix)).toBeGreaterThan(0)
      expect(await keysUnder(admin, fixture.prefix)).toEqual([])
    } finally {
      await admin.quit()
    }
  })
})
