import {
  escapeHtml,
  type SafeHtml,
  splitTelegramHtml,
  tags,
  validateTelegramHtml,
  visibleLength,
  visibleText,
} from '@keygram/core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'

const { a, b, blockquote, code, i, join, s, spoiler, u } = tags

// Shrinking a failure over long strings can take minutes; cap it so a regression fails promptly
// (with the smallest counterexample found so far) instead of hanging the suite.
beforeAll(() => {
  fc.configureGlobal({ interruptAfterTimeLimit: 15_000, markInterruptAsFailure: true })
})

/**
 * The invariants of a split, stated precisely:
 * 1. every part is valid Telegram HTML on its own;
 * 2. every part has 1..limit visible UTF-16 code units (empty input: one empty part);
 * 3. nothing is lost or added: the parts' visible texts concatenated equal the input's visible text
 *    (the newline at a line break ends the earlier part rather than being dropped);
 * 4. breaks prefer line ends: a part (not the last) that contains a newline ends with one;
 * 5. input that fits comes back unchanged as the only part.
 */
function checkSplit(markup: string, expectedText: string, limit: number) {
  const parts = splitTelegramHtml(markup, limit)
  for (const part of parts) {
    const validation = validateTelegramHtml(part)
    if (!validation.ok) throw new Error(`invalid part ${JSON.stringify(part)}: ${validation.error}`)
    const length = visibleLength(part)
    if (expectedText !== '') expect(length).toBeGreaterThan(0)
    expect(length).toBeLessThanOrEqual(limit)
  }
  expect(parts.map(visibleText).join('')).toBe(expectedText)
  for (const part of parts.slice(0, -1)) {
    const shown = visibleText(part)
    if (shown.includes('\n')) expect(shown.endsWith('\n')).toBe(true)
  }
  if (expectedText.length <= limit) expect(parts).toEqual([markup])
  return parts
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const nasty = fc.constantFrom(
  '<',
  '>',
  '&',
  '"',
  '&amp;',
  '</b>',
  '<b>',
  '\n',
  ' ',
  '😀',
  '\u202e',
  'שלום',
  '\u0000',
)
const line = fc.string({ unit: 'binary', maxLength: 40 })
const longLine = fc.string({ unit: 'grapheme', minLength: 100, maxLength: 700 })
const input = fc
  .array(fc.oneof(line, nasty, longLine, fc.constant('\n'.repeat(5))), { maxLength: 40 })
  .map((pieces) => pieces.join(''))
const limit = fc.oneof(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 41, max: 800 }))

describe('splitTelegramHtml properties', () => {
  it('escaped text of any content splits into valid parts that preserve the text', () => {
    fc.assert(
      fc.property(input, limit, (textValue, max) => {
        checkSplit(escapeHtml(textValue), textValue, max)
        checkSplit(`<b>${escapeHtml(textValue)}</b>`, textValue, max)
      }),
      { numRuns: 300 },
    )
  })

  it('never splits a surrogate pair of well-formed text', () => {
    const graphemes = fc.string({ unit: 'grapheme', maxLength: 300 })
    fc.assert(
      fc.property(graphemes, fc.integer({ min: 2, max: 20 }), (textValue, max) => {
        for (const part of checkSplit(escapeHtml(textValue), textValue, max)) {
          expect(visibleText(part)).not.toMatch(loneSurrogate)
        }
      }),
    )
  })

  it('uses the 4096 default for long many-line inputs', () => {
    const manyLines = fc.array(fc.string({ unit: 'grapheme-composite', maxLength: 120 }), {
      minLength: 50,
      maxLength: 400,
    })
    fc.assert(
      fc.property(manyLines, (lines) => {
        const textValue = lines.join('\n')
        const parts = splitTelegramHtml(`<blockquote>${escapeHtml(textValue)}</blockquote>`)
        expect(parts.map(visibleText).join('')).toBe(textValue)
        for (const part of parts) {
          expect(validateTelegramHtml(part)).toEqual({ ok: true })
          expect(visibleLength(part)).toBeLessThanOrEqual(4096)
        }
      }),
      { numRuns: 30 },
    )
  })

  interface Built {
    html: SafeHtml
    text: string
  }

  const leafText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), nasty, longLine)
  const leaf: fc.Arbitrary<Built> = fc.oneof(
    leafText.map((value) => ({ html: join([value]), text: value })),
    leafText.map((value) => ({ html: code(value), text: value })),
    leafText.map((value) => ({ html: a('https://example.test/?q=<&>"', value), text: value })),
  )
  const wrappers = [b, i, u, s, spoiler] as const
  // Inline trees: nested b/i/u/s/spoiler around leaves (no blockquote inside, as Telegram requires).
  const { inline } = fc.letrec<{ inline: Built }>((tie) => ({
    inline: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc
        .tuple(fc.constantFrom(...wrappers), fc.array(tie('inline'), { maxLength: 4 }))
        .map(([wrap, children]) => ({
          html: wrap(children.map((child) => child.html)),
          text: children.map((child) => child.text).join(''),
        })),
    ),
  }))
  const block = fc.oneof(
    inline,
    fc.tuple(fc.array(inline, { maxLength: 4 }), fc.boolean()).map(([children, expandable]) => ({
      html: blockquote(
        children.map((child) => child.html),
        { expandable },
      ),
      text: children.map((child) => child.text).join(''),
    })),
  )
  const tree = fc.array(block, { maxLength: 6 }).map((blocks) => ({
    html: String(join(blocks.map((item) => item.html))),
    text: blocks.map((item) => item.text).join(''),
  }))

  it('builder trees split into valid parts that preserve the visible text', () => {
    fc.assert(
      fc.property(tree, limit, (built, max) => {
        expect(validateTelegramHtml(built.html)).toEqual({ ok: true })
        expect(visibleText(built.html)).toBe(built.text)
        checkSplit(built.html, built.text, max)
      }),
      { numRuns: 300 },
    )
  })
})
