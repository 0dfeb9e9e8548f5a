import {
  escapeHtml,
  splitTelegramHtml,
  validateTelegramHtml,
  visibleLength,
  visibleText,
} from '@keygram/core'
import { describe, expect, it } from 'vitest'

function expectWellFormedParts(parts: string[], limit: number) {
  for (const part of parts) {
    expect(validateTelegramHtml(part)).toEqual({ ok: true })
    expect(visibleLength(part)).toBeLessThanOrEqual(limit)
    expect(visibleLength(part)).toBeGreaterThan(0)
  }
}

describe('splitTelegramHtml', () => {
  it('returns input that fits unchanged, as the only part', () => {
    const markup = '<b>a</b>\nb'
    expect(splitTelegramHtml(markup)).toEqual([markup])
    expect(splitTelegramHtml('')).toEqual([''])
    // 4096 visible characters fit even though the markup is longer.
    const exact = `<b>${'&amp;'.repeat(4096)}</b>`
    expect(splitTelegramHtml(exact)).toEqual([exact])
    expect(splitTelegramHtml(`${exact}x`)).toHaveLength(2)
  })

  it('breaks after the last newline that fits, keeping the newline in the earlier part', () => {
    expect(splitTelegramHtml('aaa\nbbb\nccc', 9)).toEqual(['aaa\nbbb\n', 'ccc'])
  })

  it('breaks a long line after a space, else between characters', () => {
    expect(splitTelegramHtml('hello world again', 12)).toEqual(['hello world ', 'again'])
    expect(splitTelegramHtml('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij'])
  })

  it('closes tags open at the break and reopens them with their attributes', () => {
    const markup = '<blockquote expandable><b>aaaa\nbbbb</b></blockquote>'
    expect(splitTelegramHtml(markup, 6)).toEqual([
      '<blockquote expandable><b>aaaa\n</b></blockquote>',
      '<blockquote expandable><b>bbbb</b></blockquote>',
    ])
    const link = '<a href="https://x.test/?a=1&amp;b=2">abcdef</a>'
    expect(splitTelegramHtml(link, 3)).toEqual([
      '<a href="https://x.test/?a=1&amp;b=2">abc</a>',
      '<a href="https://x.test/?a=1&amp;b=2">def</a>',
    ])
  })

  it('leaves a closing tag right after the break in the earlier part and moves an opening tag on', () => {
    expect(splitTelegramHtml('<b>aaa\n</b><i>bbb</i>', 4)).toEqual(['<b>aaa\n</b>', '<i>bbb</i>'])
    expect(splitTelegramHtml('abc<b>def</b>', 3)).toEqual(['abc', '<b>def</b>'])
  })

  it('never splits an entity or a surrogate pair', () => {
    expect(splitTelegramHtml('a&amp;&lt;b', 2)).toEqual(['a&amp;', '&lt;b'])
    expect(splitTelegramHtml('a😀b', 2)).toEqual(['a', '😀', 'b'])
    expect(splitTelegramHtml('&#128512;&#128512;', 3)).toEqual(['&#128512;', '&#128512;'])
  })

  it('splits a 10k-line text into parts of at most 4096 visible characters with nothing lost', () => {
    const lines = Array.from({ length: 10_000 }, (_, index) => `line ${index} <&> ${'ж'.repeat(index % 50)}`)
    const markup = `<blockquote>${escapeHtml(lines.join('\n'))}</blockquote>`
    const parts = splitTelegramHtml(markup)
    expect(parts.length).toBeGreaterThan(50)
    expectWellFormedParts(parts, 4096)
    expect(parts.map(visibleText).join('')).toBe(lines.join('\n'))
    // Each part but the last ends at a line end and is nearly full (greedy packing).
    for (const part of parts.slice(0, -1)) {
      expect(visibleText(part).endsWith('\n')).toBe(true)
      expect(visibleLength(part)).toBeGreaterThan(4096 - 80)
    }
  })

  it('rejects a limit a single character may not fit into', () => {
    expect(() => splitTelegramHtml('abc', 1)).toThrow(RangeError)
    expect(() => splitTelegramHtml('abc', 2.5)).toThrow(RangeError)
  })
})
