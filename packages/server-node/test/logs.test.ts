/**
 * What an owner watching the log sees: a line per accepted webhook and per delivered notification, the
 * address really bound, and no "stopped" after a start that failed (the poller's plain words at info are
 * tested with the bot role in server.test.ts).
 */
import { createServer } from 'node:net'
import { memoryStore } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/index.ts'
import { createKeygramServer } from '../src/server.ts'
import { captureLogger, linesAt } from './helpers/capture-logger.ts'
import { localServeEnv, startKeygram } from './helpers/child.ts'

const CHAT = '-1001234567890'
const TOKEN = `123456789:${'A'.repeat(35)}`
const SECRET = 'logs-test-webhook-secret-0123456789'
const ORDER = JSON.stringify({
  event: 'order.change_order_status',
  context: { id: 23196, status_id: 4, status_changed_at: '2026-01-29T18:53:35.000000Z' },
})

function webhookConfig(env: Record<string, string> = {}) {
  return resolveConfig(undefined, {
    TELEGRAM_BOT_TOKEN: TOKEN,
    KEYGRAM_WEBHOOK_SECRET: SECRET,
    KEYGRAM_CHAT_ID: CHAT,
    KEYGRAM_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    KEYGRAM_STORE: 'memory:',
    ...env,
  })
}

const countingTransport = () => {
  let sent = 0
  return { sendMessage: async () => ({ ok: true as const, messageId: ++sent }) }
}

describe('the log at info', () => {
  it('has one line per accepted webhook and one per delivered notification', async () => {
    const { logger, lines } = captureLogger([SECRET, TOKEN], 'info')
    const config = webhookConfig()
    const server = createKeygramServer(config, { role: 'webhook', logger, transport: countingTransport() })
    const { webhook } = await server.start()
    const post = () =>
      fetch(`${webhook}/webhooks/keycrm/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ORDER,
      })
    try {
      expect((await post()).status).toBe(200)
      await expect.poll(() => linesAt(lines, 'info').some((l) => l.msg.startsWith('delivered'))).toBe(true)
      expect((await post()).status).toBe(200) // KeyCRM's retry
    } finally {
      await server.stop()
    }
    const info = linesAt(lines, 'info').map((line) => line.msg)
    const webhookLines = info.filter((msg) => msg.startsWith('webhook: '))
    expect(webhookLines).toHaveLength(2)
    expect(webhookLines[0]).toMatch(/^webhook: order #23196 status 4 accepted, 1 notification queued \(\d/)
    expect(webhookLines[1]).toMatch(
      /^webhook: order #23196 status 4 is a repeat of one already accepted; not sent again \(\d/,
    )
    const delivered = info.filter((msg) => msg.startsWith('delivered'))
    expect(delivered).toHaveLength(1)
    expect(delivered[0]).toMatch(
      new RegExp(`^delivered order #23196 status 4 to chat ${CHAT}, [\\d.]+ m?s after the webhook$`),
    )
  })

  it('names the address really bound beside a URL to reach it', async () => {
    for (const [host, reach] of [
      ['0.0.0.0', 'every IPv4 interface'],
      ['127.0.0.1', 'this machine only'],
    ] as const) {
      const { logger, lines } = captureLogger([SECRET, TOKEN], 'info')
      const server = createKeygramServer(webhookConfig({ KEYGRAM_HOST: host }), {
        role: 'webhook',
        logger,
        transport: countingTransport(),
      })
      const { webhook } = await server.start()
      await server.stop()
      const port = new URL(webhook!).port
      const listening = linesAt(lines, 'info').find((line) => line.msg.includes('listening on'))
      expect(listening?.msg).toContain(
        `webhook server listening on http://127.0.0.1:${port} (bound to ${host}:${port}: ${reach})`,
      )
    }
  })

  it('does not report a start that failed as "stopped"', async () => {
    const { logger, lines } = captureLogger([SECRET, TOKEN], 'info')
    const taken = await takenPort()
    const server = createKeygramServer(webhookConfig({ WEBHOOK_PORT: String(taken.port) }), {
      role: 'webhook',
      logger,
      store: memoryStore(),
      transport: countingTransport(),
    })
    try {
      await expect(server.start()).rejects.toThrow(/port is in use/)
    } finally {
      taken.close()
    }
    expect(lines.filter((line) => line.includes('stopped'))).toEqual([])
  })
})

describe('keygram serve with JSON logs', () => {
  it('writes the fatal line of a failed start as JSON too', { timeout: 30_000 }, async () => {
    const taken = await takenPort()
    const child = startKeygram(
      ['serve', '--role', 'webhook'],
      localServeEnv({
        LOG_LEVEL: 'info',
        WEBHOOK_PORT: String(taken.port),
        KEYGRAM_STORE: 'memory:',
        KEYGRAM_WEBHOOK_SECRET: SECRET,
      }),
      process.cwd(),
    )
    try {
      expect((await child.exited).code).toBe(1)
    } finally {
      taken.close()
    }
    const lines = `${child.stdout()}${child.stderr()}`.trim().split('\n')
    // Every line parses: nothing plain between the JSON lines, the last one included.
    const parsed = lines.map((line) => JSON.parse(line) as { level: string; msg: string })
    expect(parsed.at(-1)).toMatchObject({ level: 'fatal' })
    expect(parsed.at(-1)?.msg).toMatch(/^could not start: webhook server cannot listen on .*port is in use/)
    expect(parsed.filter((line) => line.msg.includes('stopped'))).toEqual([])
  })
})

/** A port something already listens on, for a start that must fail. */
async function takenPort(): Promise<{ port: number; close(): void }> {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const address = blocker.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, close: () => blocker.close() }
}
