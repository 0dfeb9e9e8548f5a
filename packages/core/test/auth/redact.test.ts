import { describe, expect, it } from 'vitest'
import { createRedactor, redactSecret } from '../../src/auth/index.ts'

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'

describe('redactSecret', () => {
  it('redacts every occurrence of every secret', () => {
    expect(
      redactSecret('POST /webhooks/keycrm/s3cr3t-s3cr3t?again=s3cr3t-s3cr3t key=k3y-k3y-k3y', [
        's3cr3t-s3cr3t',
        'k3y-k3y-k3y',
      ]),
    ).toBe('POST /webhooks/keycrm/[redacted]?again=[redacted] key=[redacted]')
  })

  it('accepts a single secret', () => {
    expect(redactSecret('a s3cr3t-s3cr3t b', 's3cr3t-s3cr3t')).toBe('a [redacted] b')
  })

  it('redacts the percent-encoded forms a URL carries', () => {
    const secret = 'a/b c+d/e'
    expect(redactSecret('/webhooks/keycrm/a%2Fb%20c%2Bd%2Fe', [secret])).toBe('/webhooks/keycrm/[redacted]')
    expect(redactSecret('/x?secret=a%2Fb+c%2Bd%2Fe', [secret])).toBe('/x?secret=[redacted]')
    expect(redactSecret('/x?secret=a%2fb%20c%2bd%2fe', [secret])).toBe('/x?secret=[redacted]')
  })

  it('never mangles words with a short secret: below 8 characters a secret is not searched for', () => {
    const line = 'webhook server listening; keycrm key k'
    expect(redactSecret(line, ['k', 'hook', 'server1'])).toBe(line)
  })

  it('replaces the whole token a secret is glued into, never leaving half a word', () => {
    const secret = 'Zq8-wX2kP0vL'
    expect(redactSecret(`key=prefix${secret}suffix next`, [secret])).toBe('key=[redacted] next')
    expect(redactSecret(`/webhooks/keycrm/${secret}/x`, [secret])).toBe('/webhooks/keycrm/[redacted]/x')
  })

  it('hides the password of a URL whatever its length', () => {
    expect(redactSecret('connect redis://:pw@127.0.0.1:6379 failed', [])).toBe(
      'connect redis://:[redacted]@127.0.0.1:6379 failed',
    )
    expect(redactSecret('postgres://keygram:s3@db:5432/k and https://example.com/a:b@c', [])).toBe(
      'postgres://keygram:[redacted]@db:5432/k and https://example.com/a:b@c',
    )
    expect(redactSecret('store postgres://keygram:***@db/k', [])).toBe('store postgres://keygram:***@db/k')
  })

  it('keeps the bot of /bot<token>/ when the token is listed, in the URL forms too', () => {
    for (const url of [`https://x/bot${TOKEN}/getUpdates`, `https://x/bot${encodeURIComponent(TOKEN)}/getMe`])
      expect(redactSecret(url, [TOKEN])).toMatch(/^https:\/\/x\/bot\[redacted\]\/get/)
  })

  it('redacts Telegram bot tokens even when not listed', () => {
    expect(redactSecret(`GET https://api.telegram.org/bot${TOKEN}/getUpdates failed`, [])).toBe(
      'GET https://api.telegram.org/bot[redacted]/getUpdates failed',
    )
  })

  it('redacts the whole token, bot id included, when a library already hid the key (Telegraf)', () => {
    const telegraf = 'FetchError: request to https://api.telegram.org/bot123456789:[REDACTED]/getMe failed'
    for (const secrets of [[], [TOKEN]]) {
      const redacted = redactSecret(telegraf, secrets)
      expect(redacted).toBe('FetchError: request to https://api.telegram.org/bot[redacted]/getMe failed')
      expect(redacted).not.toContain('123456789')
    }
    expect(redactSecret('user123456789:[redacted]/x', [])).toBe('user[redacted]/x')
  })

  it('leaves numbers and colons that are no token alone', () => {
    expect(redactSecret('order 123456789: [REDACTED] at 12:30', [])).toBe(
      'order 123456789: [REDACTED] at 12:30',
    )
    expect(redactSecret('chat 1234:[REDACTED]', [])).toBe('chat 1234:[REDACTED]')
  })

  it('replaces a secret containing another one whole, and never re-redacts the marker', () => {
    expect(redactSecret('x abcdefgh12 y', ['abcdefgh', 'abcdefgh12'])).toBe('x [redacted] y')
    expect(redactSecret('redacted1 redacted2', ['redacted1', 'redacted2', 'redacted'])).toBe(
      '[redacted] [redacted]',
    )
  })

  it('treats regular-expression characters in secrets literally', () => {
    expect(redactSecret('a.b.c.d.e a-b (x.y.z.w)', ['a.b.c.d.e', '(x.y.z.w)'])).toBe(
      '[redacted] a-b [redacted]',
    )
  })

  it('ignores empty secrets and leaves clean text alone', () => {
    expect(redactSecret('nothing here', ['', 'absent'])).toBe('nothing here')
  })
})

describe('createRedactor', () => {
  it('redacts as redactSecret does, text after text, with the pattern built once', () => {
    const redact = createRedactor(['s3cr3t-s3cr3t', 'a/b c+d/e'])
    const texts = [
      'POST /webhooks/keycrm/s3cr3t-s3cr3t',
      '/x?secret=a%2Fb+c%2Bd%2Fe and s3cr3t-s3cr3t',
      `bot${TOKEN}/getMe`,
      'clean text',
      's3cr3t-s3cr3t s3cr3t-s3cr3t',
    ]
    for (const text of [...texts, ...texts])
      expect(redact(text)).toBe(redactSecret(text, ['s3cr3t-s3cr3t', 'a/b c+d/e']))
    expect(redact('s3cr3t-s3cr3t s3cr3t-s3cr3t')).toBe('[redacted] [redacted]')
  })
})
