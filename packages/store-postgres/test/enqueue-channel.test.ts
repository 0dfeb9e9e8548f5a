import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { KeygramStore } from '@keygram/core'
import { afterEach, describe, expect, it } from 'vitest'
import { enqueueChannelName } from '../src/enqueue-channel.ts'
import { postgresStore } from '../src/index.ts'
import { tablesFor } from '../src/tables.ts'
import { POSTGRES_URL, postgresFixture } from './helpers.ts'

const fixturePath = fileURLToPath(new URL('./fixtures/listen-and-close.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

let fixture: ReturnType<typeof postgresFixture>
afterEach(async () => {
  await fixture.cleanup()
})

/**
 * A TCP proxy in front of the shared PostgreSQL that the test can take down and bring back on the same
 * port: to the store, a database restart (connections cut, then refused), with the shared server untouched.
 */
function restartableProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  async function up(): Promise<void> {
    server = createServer((client) => {
      const upstream = createConnection(target)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    if (address !== null && typeof address === 'object') port = address.port
  }
  async function down(): Promise<void> {
    for (const socket of sockets) socket.destroy()
    const closing = server
    server = null
    if (closing !== null) await new Promise<void>((resolve) => closing.close(() => resolve()))
  }
  return { up, down, url: () => `postgres://postgres@127.0.0.1:${port}${new URL(POSTGRES_URL).pathname}` }
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

describe('postgres store: enqueue notices', () => {
  it('hears other instances again after its LISTEN connection is terminated', async () => {
    fixture = postgresFixture()
    const listener = fixture.open()
    const other = fixture.open()
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    await sleep(300)
    const listen = `LISTEN "${enqueueChannelName(tablesFor(fixture.schema, 'keygram_'))}"`
    const admin = await fixture.admin()
    const terminated = await admin.query(
      'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1) t',
      [listen],
    )
    expect(terminated.rows[0].n).toBe(1)
    // The listener reconnects with back-off and hears one catch-up notice once it LISTENs again.
    expect(await until(() => heard.count > 0, 5_000)).toBe(true)
    heard.count = 0
    await enqueue(other)
    expect(await until(() => heard.count > 0, 3_000)).toBe(true)
  })

  it('hears other instances again after the database was unreachable for a while', async () => {
    const shared = new URL(POSTGRES_URL)
    const proxy = restartableProxy({ host: shared.hostname, port: Number(shared.port || 5432) })
    await proxy.up()
    fixture = postgresFixture()
    const listener = postgresStore({ url: proxy.url(), schema: fixture.schema })
    const other = fixture.open()
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    try {
      await sleep(300)
      await proxy.down()
      // Connections cut, new ones refused: the listener retries with back-off meanwhile.
      await sleep(1_500)
      heard.count = 0
      await proxy.up()
      expect(await until(() => heard.count > 0, 10_000)).toBe(true)
      heard.count = 0
      await enqueue(other)
      expect(await until(() => heard.count > 0, 3_000)).toBe(true)
    } finally {
      await listener.close()
      await proxy.down()
    }
  }, 30_000)

  it('does not hear its own notices twice, and notifies nothing for a duplicate delivery', async () => {
    fixture = postgresFixture()
    const store = fixture.open()
    const other = fixture.open()
    const heard = { own: 0, other: 0 }
    store.queue.onEnqueued!(() => {
      heard.own++
    })
    other.queue.onEnqueued!(() => {
      heard.other++
    })
    await sleep(300)
    const input = {
      deliveryKey: crypto.randomUUID(),
      dedupeTtlMs: 60_000,
      jobs: [
        {
          chatId: '7',
          message: { text: 'x', parse_mode: 'HTML' as const, link_preview_options: {} },
          summaryLine: 'x',
        },
      ],
      now: Date.now(),
    }
    await store.queue.enqueue(input)
    await store.queue.enqueue(input)
    await sleep(300)
    expect(heard).toEqual({ own: 1, other: 1 })
  })

  it('lets the process exit once the store is closed', async () => {
    fixture = postgresFixture()
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, fixturePath, POSTGRES_URL, fixture.schema],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
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
