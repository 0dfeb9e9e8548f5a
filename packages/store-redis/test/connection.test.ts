/**
 * The connection `redisStore` opens fails fast while Redis is down: ioredis's defaults would queue a command
 * and retry it over 20 reconnects (over a minute) before failing it. Nothing listens on the port used here.
 */
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.ts'
import { job } from './helpers.ts'

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

describe('redisStore connection', () => {
  it('fails an enqueue and a ping within about a second while Redis is unreachable', async () => {
    const store = redisStore({ url: `redis://127.0.0.1:${await unusedPort()}`, prefix: 'conn-test:' })
    try {
      const started = performance.now()
      await expect(
        store.queue.enqueue({
          deliveryKey: 'k',
          dedupeTtlMs: 1000,
          now: Date.now(),
          jobs: [job('1', 'x')],
        }),
      ).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(1500)
      const pinged = performance.now()
      await expect(store.ping()).rejects.toThrow(/did not answer PING/)
      expect(performance.now() - pinged).toBeLessThan(1500)
    } finally {
      await store.close()
    }
  })
})
