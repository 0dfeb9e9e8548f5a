import type { ConsolaReporter, LogObject } from 'consola'
import { describe, expect, it } from 'vitest'
import { renderNotification } from '../src/console-transport.ts'
import { createLogger, redacting } from '../src/logging/index.ts'

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
