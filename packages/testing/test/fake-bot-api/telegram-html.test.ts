import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi, parseTelegramHtml } from '../../src/fake-bot-api/index.ts'
import { callApi } from './helpers.ts'

const strict = { strict: true }
const lenient = { strict: false }

const errorOf = (html: string, options = strict) => {
  const result = parseTelegramHtml(html, options)
  return result.ok ? undefined : result.error
}

describe('parseTelegramHtml (the oracle for the core formatter)', () => {
  it('parses good nesting into UTF-16 entities like Telegram', () => {
    const result = parseTelegramHtml(
      '<b>bold <i>both</i></b> 😀 <a href="https://example.com/?a=1&amp;b=2">link</a>',
      strict,
    )
    expect(result).toEqual({
      ok: true,
      text: 'bold both 😀 link',
      entities: [
        { type: 'bold', offset: 0, length: 9 },
        { type: 'italic', offset: 5, length: 4 },
        // the emoji is two UTF-16 code units, so the link starts at 13, not 12
        { type: 'text_link', offset: 13, length: 4, url: 'https://example.com/?a=1&b=2' },
      ],
    })
  })

  it('accepts every supported tag, upper case and the tg-spoiler span', () => {
    const html =
      '<B>b</B><strong>s</strong><em>e</em><U>u</U><ins>i</ins><s>s</s><strike>k</strike><del>d</del>' +
      '<tg-spoiler>p</tg-spoiler><span class="tg-spoiler">q</span><code>c</code><blockquote>q</blockquote>' +
      '<blockquote expandable>x</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    const result = parseTelegramHtml(html, strict)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.entities.map((e) => e.type)).toEqual([
      'bold',
      'bold',
      'italic',
      'underline',
      'underline',
      'strikethrough',
      'strikethrough',
      'strikethrough',
      'spoiler',
      'spoiler',
      'code',
      'blockquote',
      'expandable_blockquote',
      'custom_emoji',
    ])
  })

  it('turns <pre><code class="language-x"> into one pre entity with a language', () => {
    expect(parseTelegramHtml('<pre><code class="language-ts">let a</code></pre>', strict)).toEqual({
      ok: true,
      text: 'let a',
      entities: [{ type: 'pre', offset: 0, length: 5, language: 'ts' }],
    })
  })

  it('rejects an unknown tag with Telegram wording and byte offset', () => {
    expect(errorOf('<div>x</div>')).toBe('Unsupported start tag "div" at byte offset 0')
    // "ü" is two bytes in UTF-8: offsets are bytes, not characters
    expect(errorOf('ü<p>')).toBe('Unsupported start tag "p" at byte offset 2')
    expect(errorOf('<span>x</span>')).toBe('Tag "span" must have class "tg-spoiler" at byte offset 0')
  })

  it('rejects unbalanced markup', () => {
    expect(errorOf('<b>never closed')).toBe('Can\'t find end tag corresponding to start tag "b"')
    expect(errorOf('<b><i>x</b></i>')).toBe(
      'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    )
    expect(errorOf('x</b>')).toBe('Unexpected end tag at byte offset 1')
    // `</>` closes whatever is open, as in Telegram
    expect(parseTelegramHtml('<b>x</>', strict).ok).toBe(true)
  })

  it('rejects a raw "<" the way Telegram does', () => {
    expect(errorOf('1 < 2')).toBe('Unsupported start tag "" at byte offset 2')
    expect(errorOf('1 <2')).toBe('Unclosed start tag at byte offset 2')
    expect(errorOf('a <b', lenient)).toBe('Unclosed start tag at byte offset 2')
  })

  it('accepts &lt; &gt; &amp; &quot; and numeric references', () => {
    expect(parseTelegramHtml('&lt;b&gt; &amp; &quot;q&quot; &#128512; &#x41;', strict)).toEqual({
      ok: true,
      text: '<b> & "q" 😀 A',
      entities: [],
    })
  })

  it('strict mode rejects a raw "&", &nbsp; and references without ";"', () => {
    expect(errorOf('Tom & Jerry')).toBe('Character "&" must be escaped as "&amp;" at byte offset 4')
    expect(errorOf('a&nbsp;b')).toBe('Unsupported character entity "&nbsp;" at byte offset 1')
    expect(errorOf('x &amp y')).toBe('Character entity "&amp" must end with ";" at byte offset 2')
    expect(errorOf('<a href="https://x.y/?a=1&b=2">l</a>')).toBe(
      'Unsupported character entity "&b" at byte offset 25',
    )
  })

  it('lenient mode keeps what real Telegram keeps: a raw "&" and unknown names stay literal', () => {
    expect(parseTelegramHtml('Tom & Jerry &nbsp; &amp x', lenient)).toEqual({
      ok: true,
      text: 'Tom & Jerry &nbsp; & x',
      entities: [],
    })
  })

  it('rejects decoded surrogate halves', () => {
    expect(errorOf('&#xD83D;')).toMatch(/invalid Unicode characters/)
  })

  it('drops links Telegram would not keep, and makes tg://user links mentions', () => {
    const result = parseTelegramHtml(
      '<a href="javascript:alert(1)">x</a> <a href="tg://user?id=42">u</a>',
      strict,
    )
    expect(result).toEqual({
      ok: true,
      text: 'x u',
      entities: [{ type: 'text_mention', offset: 2, length: 1, user: { id: 42 } }],
    })
  })

  it('round-trips any escaped text exactly, with a bold entity covering it all (property)', () => {
    const escapeHtml = (s: string) =>
      s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (s) => {
        const result = parseTelegramHtml(`<b>${escapeHtml(s)}</b>`, strict)
        expect(result).toEqual({
          ok: true,
          text: s,
          entities: [{ type: 'bold', offset: 0, length: s.length }],
        })
      }),
    )
  })
})

describe('sendMessage text checks over HTTP', () => {
  let fake: FakeBotApi
  beforeAll(async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
  })
  afterAll(() => fake.close())

  const send = (text: string, parse_mode = 'HTML') =>
    callApi(fake, 'sendMessage', { chat_id: 1, text, parse_mode })

  it('answers bad markup with "can\'t parse entities"', async () => {
    const answer = await send('<div>x</div>')
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
    })
    expect((await send('a &nbsp; b')).body.description).toMatch(/^Bad Request: can't parse entities: /)
  })

  it('counts the 4096 limit after entity parsing', async () => {
    const ok = await send(`<b>${'&amp;'.repeat(4096)}</b>`)
    expect(ok.status).toBe(200)
    expect((ok.body.result as { text: string }).text).toBe('&'.repeat(4096))
    const tooLong = await send(`<b>${'&amp;'.repeat(4097)}</b>`)
    expect(tooLong.body).toMatchObject({ error_code: 400, description: 'Bad Request: message is too long' })
  })

  it('tells an empty text from one that parses to nothing', async () => {
    expect((await send('')).body.description).toBe('Bad Request: message text is empty')
    expect((await send('<b> </b>\n')).body.description).toBe('Bad Request: text must be non-empty')
  })

  it('trims surrounding whitespace like Telegram and keeps the raw text in the record', async () => {
    fake.clear()
    const answer = await send('\n <b>hi</b>  \n')
    expect(answer.body.result).toMatchObject({
      text: 'hi',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
    })
    expect(fake.sent[0]).toMatchObject({ text: '\n <b>hi</b>  \n', plain_text: 'hi', parse_mode: 'HTML' })
  })

  it('passes text without parse_mode through unparsed', async () => {
    const answer = await callApi(fake, 'sendMessage', { chat_id: 1, text: '<div> & </div>' })
    expect(answer.body.result).toMatchObject({ text: '<div> & </div>' })
  })
})
