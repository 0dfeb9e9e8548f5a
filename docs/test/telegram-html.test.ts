/** The chat bubble's rendering of Telegram HTML (docs/.vitepress/theme/telegram-html.ts). */
import { describe, expect, it } from 'vitest'
import { telegramHtmlToHtml } from '../.vitepress/theme/telegram-html.ts'

describe('telegramHtmlToHtml', () => {
  it('turns every tag Telegram knows into its look-alike', () => {
    expect(
      telegramHtmlToHtml(
        '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><del>d</del><code>c</code><pre><code class="language-ts">x</code></pre>',
      ),
    ).toBe(
      '<b>b</b><b>s</b><i>i</i><i>e</i><u>u</u><u>n</u><s>s</s><s>d</s><code>c</code><pre><code>x</code></pre>',
    )
    expect(telegramHtmlToHtml('<tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span>')).toBe(
      '<span class="tg-spoiler">x</span><span class="tg-spoiler">y</span>',
    )
    expect(telegramHtmlToHtml('<blockquote>q</blockquote><blockquote expandable>e</blockquote>')).toBe(
      '<blockquote class="tg-quote">q</blockquote><blockquote class="tg-quote tg-expandable">e</blockquote>',
    )
    expect(telegramHtmlToHtml('<a href="tg://user?id=1">Олена</a>')).toBe(
      '<a href="tg://user?id=1" target="_blank" rel="noopener noreferrer">Олена</a>',
    )
  })

  it('keeps entities and line breaks, and shows anything else as text', () => {
    expect(telegramHtmlToHtml('a &lt;b&gt; &amp; &quot;\nnext')).toBe('a &lt;b&gt; &amp; &quot;\nnext')
    expect(telegramHtmlToHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(telegramHtmlToHtml('<a href="javascript:alert(1)">x</a>')).toBe(
      '&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;',
    )
    expect(telegramHtmlToHtml('<b onclick="x">y</b>')).toBe('<b>y</b>')
    expect(telegramHtmlToHtml('<span class="x">y</span>')).toBe(
      '&lt;span class=&quot;x&quot;&gt;y&lt;/span&gt;',
    )
    expect(telegramHtmlToHtml('R&D < 5')).toBe('R&amp;D &lt; 5')
  })

  it('closes what is left open and shows a stray closing tag as text', () => {
    expect(telegramHtmlToHtml('<b>open <i>both')).toBe('<b>open <i>both</i></b>')
    expect(telegramHtmlToHtml('x</b>')).toBe('x&lt;/b&gt;')
  })
})
