import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { KeygramStore } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { storeFixture } from './helpers.ts'

const fixturePath = fileURLToPath(new URL('./fixtures/listen-and-close.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

let fixture: ReturnType<typeof storeFixture>
beforeEach(() => {
  fixture = storeFixture()
})
afterEach(async () => {
  await fixture.cleanup()
})

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

describe('sqlite store: enqueue notices', () => {
  it("hears another connection's enqueue within a few poll intervals, and not its own writes twice", async () => {
    const listener = fixture.open()
    const other = fixture.open()
    const heard = { count: 0 }
    listener.queue.onEnqueued!(() => {
      heard.count++
    })
    await enqueue(listener)
    await listener.kv.set('own-write', 1)
    await sleep(100)
    // Its own enqueue once (in process); its own commits do not move the file's data_version for it.
    expect(heard.count).toBe(1)
    await enqueue(other)
    await sleep(100)
    expect(heard.count).toBe(2)
  })

  it('lets the process exit once the store is closed', async () => {
    const child = spawn(process.execPath, ['--import', tsxLoader, fixturePath, fixture.path], {
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
