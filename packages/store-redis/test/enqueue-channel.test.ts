import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { KeygramStore } from '@keygram/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../src/index.ts'
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './helpers.ts'

const fixture = fileURLToPath(new URL('./fixtures/listen-and-close.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const prefix = uniquePrefix()
let admin: Redis
const opened: { close(): Promise<void> | void }[] = []

beforeAll(async () => {
  admin = await connect()
})
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close()
})
afterAll(async () => {
  await deletePrefix(admin, prefix)
  await admin.quit()
})

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A private, throwaway redis-server on `port` (the shared one is never stopped); resolves once it answers. */
async function startPrivateRedis(port: number): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null })
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.connect()
      await probe.quit()
      return server
    } catch (error) {
      if (attempt > 100) throw error
      await sleep(50)
    }
  }
}

async function stopPrivateRedis(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return
  const exited = once(server, 'exit')
  server.kill('SIGKILL')
  await exited
}

function enqueue(store: KeygramStore) {
  return store.queue.enqueue({
    deliveryKey: crypto.randomUUID(),
    dedupeTtlMs: 60_000,
    jobs: [
      { chatId: '7', message: { text: 'x', parse_mode: 'HTML', link_preview_options: {} }, summaryLine: 'x' },
    ],
    now: Date.now(),
  })
}

async function until(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (!condition() && Date.now() < deadline) await sleep(10)
  return condition()
}

/** Ids of the connections named `name` that are subscribed (pub/sub). */
async function subscriberIds(name: string): Promise<string[]> {
  const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined)
}

describe('redis store: enqueue notices', () => {
  it('hears other instances again after its subscriber connection is cut', async () => {
    const name = `keygram-wake-${crypto.randomUUID().slice(0, 8)}`
    // The store keeps the client's options for its subscriber, name included, so the test can find it.
    const client = new Redis(REDIS_URL, { connectionName: name })
    opened.push({ close: () => client.disconnect() })
    const listener = redisStore({ client, prefix })
    const other = redisStore({ url: REDIS_URL, prefix })
    opened.push(listener, other)
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    await sleep(300)
    const [id] = await subscriberIds(name)
    expect(id).toBeDefined()
    await admin.call('CLIENT', 'KILL', 'ID', id!)
    // ioredis reconnects and resubscribes; wait for it (and for the catch-up notice it hears) first.
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)
    expect(await subscriberIds(name)).toHaveLength(1)
    heard.count = 0
    await enqueue(other)
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)
  })

  it('hears other instances again after Redis restarts', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    let server = await startPrivateRedis(port)
    opened.push({ close: () => stopPrivateRedis(server) })
    const listener = redisStore({ url, prefix })
    const other = redisStore({ url, prefix })
    opened.push(listener, other)
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    await sleep(300)
    await enqueue(other)
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)

    await stopPrivateRedis(server)
    server = await startPrivateRedis(port)
    // ioredis reconnects and resubscribes; the listener hears one catch-up notice once it is back.
    heard.count = 0
    expect(await until(() => heard.count > 0, 10_000)).toBe(true)
    heard.count = 0
    await enqueue(other)
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)
  }, 30_000)

  it('starts hearing once Redis comes up, when it began listening while Redis was down', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const listener = redisStore({ url, prefix })
    opened.push(listener)
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    // Long enough for a SUBSCRIBE queued meanwhile to be dropped by the store's fail-fast options.
    await sleep(1_500)
    const server = await startPrivateRedis(port)
    opened.push({ close: () => stopPrivateRedis(server) })
    const other = redisStore({ url, prefix })
    opened.push(other)
    await sleep(1_000)
    heard.count = 0
    await enqueue(other)
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)
  }, 30_000)

  it('does not hear its own publications twice', async () => {
    const store = redisStore({ url: REDIS_URL, prefix })
    opened.push(store)
    const heard = { count: 0 }
    store.queue.onEnqueued!(() => {
      heard.count++
    })
    await sleep(300)
    await enqueue(store)
    await sleep(300)
    expect(heard.count).toBe(1)
  })

  it('lets the process exit once the store is closed', async () => {
    const child = spawn(process.execPath, ['--import', tsxLoader, fixture, REDIS_URL, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const code = await Promise.race([exited, sleep(15_000).then(() => 'hung' as const)])
    if (code === 'hung') child.kill('SIGKILL')
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'closed heard=1' })
  }, 20_000)
})
