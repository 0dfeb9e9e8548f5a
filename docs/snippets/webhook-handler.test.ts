/**
 * The embedding guides' endpoint answers as the Keygram server does: the same status and outcome for the
 * same KeyCRM requests, 200 for a queued event (what getting-started promises), on node:http and Express.
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { createNotifier, memoryStore } from '@keygram/core'
import { createKeygramMetrics, createWebhookApp } from '@keygram/server-node'
import { afterEach, expect, it } from 'vitest'
import { keycrmWebhookServer, mountKeycrmWebhook } from './webhook-handler.ts'

const SECRET = 'docs-snippet-secret-0123456789'
const ORDER = JSON.stringify({
  event: 'order.change_order_status',
  context: { id: 23196, status_id: 4, status_changed_at: '2026-01-29T18:53:35.000000Z' },
})
const express = createRequire(import.meta.url)('express') as () => RequestListener & {
  post(path: string, handler: RequestListener): unknown
}

const servers: Server[] = []
afterEach(() => Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done)))))

async function listen(server: Server): Promise<string> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const notifier = () => createNotifier({ store: memoryStore(), routes: [{ chatId: '-1001234567890' }] })
/** The Keygram server's own webhook app, on a fresh store. */
const serverOptions = () => ({
  secret: SECRET,
  notifier: notifier(),
  store: memoryStore(),
  worker: null,
  metrics: createKeygramMetrics({ processMetrics: false }),
})

/** What KeyCRM (and a stranger) send, in order: the second order post is KeyCRM's retry. */
const requests: [path: string, init: RequestInit][] = [
  [`/webhooks/keycrm/${SECRET}`, { method: 'POST', body: ORDER }],
  [`/webhooks/keycrm/${SECRET}`, { method: 'POST', body: ORDER }],
  ['/webhooks/keycrm/wrong-secret', { method: 'POST', body: ORDER }],
  [`/webhooks/keycrm/${SECRET}`, { method: 'GET' }],
  [`/webhooks/keycrm/${SECRET}`, { method: 'POST', body: '{"event":' }],
]

async function answers(
  send: (path: string, init: RequestInit) => Response | Promise<Response>,
  only: (init: RequestInit) => boolean = () => true,
) {
  const seen: [number, string][] = []
  for (const [path, init] of requests.filter(([, init]) => only(init))) {
    const response = await send(path, { ...init, headers: { 'content-type': 'application/json' } })
    const body = (await response.json()) as { status?: string; error?: string }
    seen.push([response.status, body.status ?? body.error ?? ''])
  }
  return seen
}

it('answers as the server does, on node:http and on Express', async () => {
  const server = createWebhookApp(serverOptions())
  const expected = await answers((path, init) => server.request(path, init))
  expect(expected.slice(0, 2)).toEqual([
    [200, 'queued'],
    [200, 'duplicate'],
  ])

  const nodeBase = await listen(keycrmWebhookServer(notifier(), SECRET))
  expect(await answers((path, init) => fetch(`${nodeBase}${path}`, init))).toEqual(expected)

  const app = express()
  mountKeycrmWebhook(app, notifier(), SECRET)
  const expressBase = await listen(createServer(app))
  // Mounted with app.post, the endpoint sees POSTs only (Express answers a GET itself).
  const isPost = (init: RequestInit) => init.method === 'POST'
  const again = createWebhookApp(serverOptions())
  expect(await answers((path, init) => fetch(`${expressBase}${path}`, init), isPost)).toEqual(
    await answers((path, init) => again.request(path, init), isPost),
  )
})
