import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { splitPlainText, toPlainText } from '../../src/delivery/plain-text.ts'

describe('toPlainText', () => {
  it('strips tags, decodes entities and drops parse_mode, keeping the rest', () => {
    const plain = toPlainText({
      text: '<b>Order #1</b> &lt;gift&gt; &amp; <i>note</i>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      disable_notification: true,
    })
    expect(plain).toEqual({
      text: 'Order #1 <gift> & note',
      link_preview_options: { is_disabled: true },
      disable_notification: true,
    })
  })

  it('leaves a plain message alone', () => {
    const message = { text: 'a <b>', link_preview_options: {} }
    expect(toPlainText(message)).toBe(message)
  })
})

describe('splitPlainText', () => {
  it('returns short text as one part', () => {
    expect(splitPlainText('hello')).toEqual(['hello'])
  })

  it('prefers line breaks, then spaces', () => {
    expect(splitPlainText('aaaa\nbbbb\ncccc', 10)).toEqual(['aaaa\nbbbb', 'cccc'])
    expect(splitPlainText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc'])
  })

  it('hard-cuts a long word without splitting a surrogate pair', () => {
    const parts = splitPlainText(`${'a'.repeat(9)}😀${'b'.repeat(5)}`, 10)
    expect(parts).toEqual(['a'.repeat(9), `😀${'b'.repeat(5)}`])
  })

  it('keeps every non-separator character, in order, in parts within the limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '😀', 'я'), maxLength: 400, size: 'large' }),
        fc.integer({ min: 2, max: 50 }),
        (text, limit) => {
          const parts = splitPlainText(text, limit)
          if (parts.some((part) => part.length > limit || part.trim() === '')) return false
          const squash = (value: string) => value.replace(/\s+/g, '')
          return squash(parts.join('')) === squash(text)
        },
      ),
    )
  })
})
