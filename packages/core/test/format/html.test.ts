import {
  escapeHtml,
  html,
  SafeHtml,
  tags,
  validateTelegramHtml,
  visibleLength,
  visibleText,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'

const { a, b, blockquote, code, i, join, pre, spoiler, text } = tags

describe('escapeHtml', () => {
  it('escapes the four characters Telegram knows as entities and nothing else', () => {
    expect(escapeHtml(`a & b < c > d "e" 'f' ©`)).toBe(`a &amp; b &lt; c &gt; d &quot;e&quot; 'f' ©`)
  })

  it('escapes an existing entity again (text is text)', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;')
    expect(visibleText(escapeHtml('&amp;'))).toBe('&amp;')
  })
})

describe('safe builder', () => {
  const hostile = '</blockquote><b>x</b><a href="javascript:alert(1)">&'

  it('escapes every interpolated string in html``', () => {
    const built = html`<b>Order</b> ${hostile}`
    expect(String(built)).toBe(`<b>Order</b> ${escapeHtml(hostile)}`)
    expect(validateTelegramHtml(String(built))).toEqual({ ok: true })
    expect(visibleText(String(built))).toBe(`Order ${hostile}`)
  })

  it('keeps SafeHtml values as markup, renders arrays, skips null/undefined/booleans', () => {
    const built = html`${b('x')}${[i('y'), '<z>']}${null}${undefined}${false}${true}${42}`
    expect(String(built)).toBe('<b>x</b><i>y</i>&lt;z&gt;42')
  })

  it('tag helpers escape their content and nest', () => {
    expect(String(b(i(hostile)))).toBe(`<b><i>${escapeHtml(hostile)}</i></b>`)
    expect(String(code('<x>'))).toBe('<code>&lt;x&gt;</code>')
    expect(String(pre('a<b', 'ts'))).toBe('<pre><code class="language-ts">a&lt;b</code></pre>')
    expect(String(spoiler('s'))).toBe('<tg-spoiler>s</tg-spoiler>')
    expect(String(blockquote('q', { expandable: true }))).toBe('<blockquote expandable>q</blockquote>')
    expect(String(join(['a', b('b'), '<'], ' | '))).toBe('a | <b>b</b> | &lt;')
    expect(String(text('"q"'))).toBe('&quot;q&quot;')
  })

  it('a() accepts http(s) and tg:// only and escapes the href', () => {
    expect(String(a('https://x.test/?a=1&b="2"', 'go'))).toBe(
      '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">go</a>',
    )
    expect(String(a('tg://user?id=1', 'me'))).toBe('<a href="tg://user?id=1">me</a>')
    for (const bad of ['javascript:alert(1)', 'ftp://x', 'data:text/html,x', '//x.test', 'https://']) {
      expect(() => a(bad, 'x')).toThrow(TypeError)
    }
  })

  it('refuses what Telegram would refuse: nested blockquotes and links, bad pre languages', () => {
    expect(() => blockquote(blockquote('x'))).toThrow(TypeError)
    expect(() => a('https://x.test', a('https://y.test', 'y'))).toThrow(TypeError)
    expect(() => pre('x', 'a"b')).toThrow(TypeError)
  })

  it('a plain string can never pass as a SafeHtml', () => {
    expect(() => new SafeHtml(Symbol('SafeHtml') as never, '<b>x</b>')).toThrow(TypeError)
    const forged = { toString: () => '<b>x</b>' } as unknown as string
    expect(String(html`${forged}`)).toBe('&lt;b&gt;x&lt;/b&gt;')
  })

  it('rejects invalid markup in the literal parts of html``', () => {
    expect(() => html`<script>${'x'}</script>`).toThrow(/unsupported tag <script>/)
    expect(() => html`<b>${'x'}`).toThrow(/unclosed <b>/)
  })
})

describe('validateTelegramHtml', () => {
  const valid = [
    'plain',
    '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>i</ins><s>s</s><strike>s</strike><del>d</del>',
    '<tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span>',
    '<a href="https://x.test/a?b=1&amp;c=2">l</a> <a href="tg://user?id=5">u</a>',
    '<code>x</code><pre>y</pre><pre><code class="language-python">z</code></pre>',
    '<blockquote>q</blockquote><blockquote expandable>e</blockquote>',
    '<b>bold <i>italic <u>under</u></i></b>',
    '&lt;&gt;&amp;&quot; &#128512; &#x1F600;',
    'a > b', // checked below: raw ">" is rejected
  ]

  it.each(valid.slice(0, -1))('accepts %s', (markup) => {
    expect(validateTelegramHtml(markup)).toEqual({ ok: true })
  })

  const invalid: [string, RegExp][] = [
    ['a > b', /unescaped ">"/],
    ['a < b', /unescaped "<"/],
    ['a & b', /unescaped "&"/],
    ['&nbsp;', /unescaped "&"/],
    ['&#0;', /unescaped "&"/],
    ['&#xD800;', /unescaped "&"/],
    ['<script>x</script>', /unsupported tag <script>/],
    ['<br/>', /unescaped "<"/],
    ['<b>x', /unclosed <b>/],
    ['x</b>', /unexpected <\/b>/],
    ['<b><i>x</b></i>', /<\/b> at offset \d+ closes <i>/],
    ['<b class="x">x</b>', /attribute "class" is not allowed on <b>/],
    ['<a>x</a>', /<a> needs an href/],
    ['<a href="javascript:alert(1)">x</a>', /http\(s\) or tg:\/\//],
    ['<span>x</span>', /tg-spoiler/],
    ['<span class="other">x</span>', /tg-spoiler/],
    ['<code class="python">x</code>', /language-/],
    ['<blockquote><blockquote>x</blockquote></blockquote>', /cannot be nested/],
    ['<code><b>x</b></code>', /cannot be inside <code> or <pre>/],
    ['<a href="https://a.test"><a href="https://b.test">x</a></a>', /cannot be nested/],
    ['<b onclick="x">y</b>', /not allowed/],
    ['<a href="https://a.test" href="https://b.test">x</a>', /duplicate/],
  ]

  it.each(invalid)('rejects %s', (markup, error) => {
    const result = validateTelegramHtml(markup)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatch(error)
  })
})

describe('visibleText / visibleLength', () => {
  it('strips tags and decodes the four named and numeric entities', () => {
    const markup = '<b>a&lt;b</b> &amp; <a href="https://x.test?a=1&amp;b">&quot;q&quot;</a>&#128512;&#x41;'
    expect(visibleText(markup)).toBe('a<b & "q"😀A')
  })

  it('counts UTF-16 code units, as Telegram does', () => {
    expect(visibleLength('😀')).toBe(2)
    expect(visibleLength('<b>&#128512;</b>')).toBe(2)
    expect(visibleLength('&amp;&lt;')).toBe(2)
    expect(visibleLength('<blockquote expandable>abc</blockquote>')).toBe(3)
  })
})
