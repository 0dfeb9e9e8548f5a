import type { ConsolaReporter, LogObject } from 'consola'
import { describe, expect, it } from 'vitest'
import { renderNotification } from '../src/console-transport.ts'
import { createLogger, redacting } from '../src/logging/index.ts'
import { createLineSink } from '../src/logging/line-sink.ts'
import { deliverySubject } from '../src/logging/subject.ts'

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
const SECRET = 'webhook-secret-value-0123456789'

describe('logger', () => {
  it('writes JSON lines with every secret redacted, in messages, objects and error stacks', () => {
    const lines: string[] = []
    const logger = createLogger({
      format: 'json',
      level: 'info',
      secrets: [SECRET],
      write: (line) => lines.push(line),
    })
    logger.info(`posting to /webhooks/keycrm/${SECRET}`)
    logger.warn('request', { url: `https://api.telegram.org/bot${TOKEN}/sendMessage` })
    logger.error('failed', new Error(`fetch https://x/${encodeURIComponent(SECRET)} failed`))
    logger.debug('below the level')
    expect(lines).toHaveLength(3)
    const parsed = lines.map((line) => JSON.parse(line) as { level: string; msg: string; err?: string })
    expect(parsed.map((line) => line.level)).toEqual(['info', 'warn', 'error'])
    expect(parsed[0]!.msg).toBe('posting to /webhooks/keycrm/[redacted]')
    expect(parsed[2]!.err).toContain('[redacted]')
    const all = lines.join('\n')
    expect(all).not.toContain(SECRET)
    expect(all).not.toContain(TOKEN)
  })

  it('never mangles a line: a one-character KEYCRM_API_KEY left "webhoo[redacted] server" before', () => {
    const lines: string[] = []
    // configSecrets of a configuration read before short secrets were refused: KEYCRM_API_KEY=k.
    const logger = createLogger({
      format: 'json',
      level: 'info',
      secrets: [SECRET, 'k'],
      write: (line) => lines.push(line),
    })
    logger.info(
      'webhook server listening on http://127.0.0.1:9000; KeyCRM posts to /webhooks/keycrm/<secret>',
    )
    expect((JSON.parse(lines[0]!) as { msg: string }).msg).toBe(
      'webhook server listening on http://127.0.0.1:9000; KeyCRM posts to /webhooks/keycrm/<secret>',
    )
  })

  it('redacts for any wrapped reporter (the pretty one included)', () => {
    const seen: LogObject[] = []
    const inner: ConsolaReporter = { log: (logObj) => void seen.push(logObj) }
    const reporter = redacting(inner, (text) => text.replaceAll(SECRET, '[redacted]'))
    reporter.log(
      {
        level: 3,
        type: 'info',
        tag: '',
        date: new Date(),
        args: [`a ${SECRET}`, { nested: SECRET }, 7],
      } as LogObject,
      { options: {} as never },
    )
    expect(seen[0]!.args).toEqual(['a [redacted]', "{ nested: '[redacted]' }", 7])
  })
})

describe('activity lines', () => {
  it('are JSON info lines shaped like every other line, redacted, and nothing below info', () => {
    const lines: string[] = []
    const options = { format: 'json', secrets: [SECRET], write: (line: string) => lines.push(line) } as const
    const logger = createLogger({ ...options, level: 'info', tag: 'webhook' })
    logger.info('through consola')
    logger.activity(`webhook: order #1 status 4 accepted via /webhooks/keycrm/${SECRET}`)
    const [consolaLine, activityLine] = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(Object.keys(activityLine!)).toEqual(Object.keys(consolaLine!))
    expect(activityLine).toMatchObject({
      level: 'info',
      tag: 'webhook',
      msg: 'webhook: order #1 status 4 accepted via /webhooks/keycrm/[redacted]',
    })

    const untagged = createLogger({ ...options, level: 'info' })
    untagged.info('a')
    untagged.activity('b "quoted"\nline')
    const [plain, plainActivity] = lines.slice(2).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(Object.keys(plainActivity!)).toEqual(Object.keys(plain!))
    expect(plainActivity).toMatchObject({ level: 'info', msg: 'b "quoted"\nline' })
    expect(Date.parse(plainActivity!.time as string)).toBeGreaterThan(Date.now() - 60_000)

    const quiet = createLogger({ ...options, level: 'warn' })
    quiet.activity('not written')
    expect(lines).toHaveLength(4)
  })

  it('go through consola in the terminal format', () => {
    const seen: LogObject[] = []
    const logger = createLogger({ format: 'pretty', level: 'info', secrets: [SECRET] })
    logger.options.reporters = [redacting({ log: (logObj) => void seen.push(logObj) }, (text) => text)]
    logger.activity('delivered order #1 status 4 to chat 1, 0.2 s after the webhook')
    expect(seen.map((logObj) => [logObj.type, logObj.args[0]])).toEqual([
      ['info', 'delivered order #1 status 4 to chat 1, 0.2 s after the webhook'],
    ])
  })

  it('name what a notification is about from its delivery key', () => {
    expect(deliverySubject('order.change_order_status:23196:status=4:at=2026-01-29T18:53:35.000Z')).toBe(
      'order #23196 status 4',
    )
    expect(deliverySubject('order.change_payment_status:7:payment=part_paid:at=2024-05-28 09:34:10')).toBe(
      'order #7 payment part_paid',
    )
    expect(deliverySubject('lead.change_lead_status:12:status=3:at=none:h=abc')).toBe('lead #12 status 3')
    expect(deliverySubject('client.created:55:h=0123abcd')).toBe('client.created #55')
    expect(deliverySubject('stock:0123abcd')).toBe('stock alert')
    expect(deliverySubject('digest:-100123:2026-01-29')).toBe('digest')
  })
})

describe('the stdio line sink', () => {
  it('writes the info lines of one turn at once, and a warning at once after them', async () => {
    const out: string[] = []
    const err: string[] = []
    const sink = createLineSink({ write: (text) => out.push(text) }, { write: (text) => err.push(text) })
    sink.write('a', 3)
    sink.write('b', 4)
    expect(out).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(out).toEqual(['a\nb\n'])

    sink.write('c', 3)
    sink.write('boom', 0)
    // The pending info line went out before the error, so the two streams keep the order.
    expect(out).toEqual(['a\nb\n', 'c\n'])
    expect(err).toEqual(['boom\n'])
  })

  it('writes at once once a turn gathered 64 KiB', () => {
    const out: string[] = []
    const sink = createLineSink({ write: (text) => out.push(text) }, { write: () => {} })
    for (let i = 0; i < 1100; i++) sink.write('x'.repeat(63), 3)
    expect(out).toHaveLength(1)
    expect(out[0]!.length).toBeGreaterThanOrEqual(64 * 1024)
  })
})

describe('console transport rendering', () => {
  it('shows the visible text, the target and the buttons', () => {
    const text = renderNotification(
      { chatId: '-100123', threadId: 5 },
      {
        text: '<b>Order #1</b> &amp; more',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: {
          inline_keyboard: [[{ text: 'Open', url: 'https://shop.keycrm.app/app/orders/view/1' }]],
        },
      },
    )
    expect(text).toContain('chat -100123, topic 5')
    expect(text).toContain('│ Order #1 & more')
    expect(text).toContain('[Open] → https://shop.keycrm.app/app/orders/view/1')
    expect(text).not.toContain('<b>')
  })
})
