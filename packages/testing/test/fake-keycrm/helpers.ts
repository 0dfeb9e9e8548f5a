import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../src/fake-keycrm/index.ts'

/** A request the webhook receiver got. */
export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: unknown
  at: number
}

/** A plain HTTP server standing in for Keygram's webhook endpoint. */
export interface Receiver {
  url: string
  received: Received[]
  /** The status it answers with. */
  status: number
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], status: 200, close: async () => {} }
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    receiver.received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(text),
      at: Date.now(),
    })
    res.writeHead(receiver.status).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  receiver.close = () => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(() => resolve()))
  }
  return receiver
}

/** Fakes and receivers started by a test, closed after it. */
export function harness() {
  let open: Array<{ close(): Promise<void> }> = []
  return {
    async fake(options: Parameters<typeof createFakeKeycrmApi>[0] = {}) {
      const fake = await createFakeKeycrmApi(options)
      open.push(fake)
      return { fake, ...clientOf(fake) }
    },
    async receiver() {
      const receiver = await startReceiver()
      open.push(receiver)
      return receiver
    },
    async closeAll() {
      for (const item of open) await item.close()
      open = []
    },
  }
}

/** Plain-fetch calls to the fake, the way a minimal KeyCRM client makes them. */
export function clientOf(fake: Pick<FakeKeycrmApi, 'url' | 'apiKey'>) {
  const headers = (key: string) => ({
    Authorization: `Bearer ${key}`,
    Accept: 'application/json',
    'Content-Type': 'application/json',
  })
  return {
    get: (path: string, key = fake.apiKey) => fetch(`${fake.url}${path}`, { headers: headers(key) }),
    put: (path: string, body: unknown, options: { key?: string; signal?: AbortSignal } = {}) =>
      fetch(`${fake.url}${path}`, {
        method: 'PUT',
        headers: headers(options.key ?? fake.apiKey),
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: options.signal ?? null,
      }),
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
