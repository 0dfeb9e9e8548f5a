import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  advanceStockState,
  defaultHysteresis,
  type StockBand,
  type StockCrossing,
  type StockOfferState,
  skuMatcher,
  validateStockRules,
} from '../../src/stock/index.ts'

const band: StockBand = { key: '5/2', low: 5, hysteresis: 2 }

/** Feeds levels one by one (each from its own body) and returns every crossing found. */
function run(
  levels: readonly number[],
  bands: readonly StockBand[] = [band],
  start: StockOfferState | null = null,
) {
  let state = start
  const crossings: StockCrossing[] = []
  levels.forEach((available, index) => {
    const step = advanceStockState(state, bands, {
      offerId: 1,
      sku: 'a',
      available,
      body: `body-${index}`,
      now: 1000 + index,
      replayWindowMs: 60_000,
    })
    crossings.push(...step.crossings)
    if (step.next !== null) state = step.next
  })
  return { crossings, state }
}

/** The reference: a two-state machine written as plainly as possible. */
function model(levels: readonly number[], low: number, hysteresis: number): ('low' | 'back')[] {
  let isLow = false
  const out: ('low' | 'back')[] = []
  for (const level of levels) {
    if (!isLow && level <= low) {
      isLow = true
      out.push('low')
    } else if (isLow && level > low + hysteresis) {
      isLow = false
      out.push('back')
    }
  }
  return out
}

describe('advanceStockState', () => {
  it('crossing down, up and down again gives exactly three crossings, numbered 1 to 3', () => {
    const { crossings, state } = run([12, 4, 9, 3])
    expect(crossings.map((crossing) => [crossing.direction, crossing.seq, crossing.available])).toEqual([
      ['low', 1, 4],
      ['back', 2, 9],
      ['low', 3, 3],
    ])
    expect(state?.bands['5/2']).toMatchObject({ low: true, seq: 3, body: 'body-3' })
  })

  it('treats the threshold itself as low and the top of the band as not yet back', () => {
    expect(run([5]).crossings.map((crossing) => crossing.direction)).toEqual(['low'])
    expect(run([5, 7]).crossings).toHaveLength(1)
    expect(run([5, 7.5]).crossings.map((crossing) => crossing.direction)).toEqual(['low', 'back'])
  })

  it('an unseen offer counts as in stock: its first level above the threshold says nothing', () => {
    expect(run([6]).crossings).toEqual([])
    expect(run([0]).crossings[0]).toMatchObject({ direction: 'low', available: 0, low: 5, hysteresis: 2 })
  })

  it('writes only when a band crosses: other observations are pure reads', () => {
    const observe = (state: StockOfferState | null, available: number) =>
      advanceStockState(state, [band], {
        offerId: 1,
        sku: 'a',
        available,
        body: `b${available}`,
        now: 5000,
        replayWindowMs: 1,
      })
    expect(observe(null, 12)).toEqual({ next: null, crossings: [] })
    const low = observe(null, 3).next
    expect(low).toEqual({
      available: 3,
      updatedAt: 5000,
      body: 'b3',
      bands: { '5/2': { low: true, seq: 1, body: 'b3', at: 5000 } },
    })
    for (const level of [0, 4, 5, 6, 7]) expect(observe(low, level)).toEqual({ next: null, crossings: [] })
  })

  it('a repeat of the body that made a crossing announces it again within the window, changing nothing', () => {
    const { state } = run([12, 4])
    const observation = { offerId: 1, sku: 'a', available: 4, body: 'body-1', replayWindowMs: 60_000 }
    const retry = advanceStockState(state, [band], { ...observation, now: 2000 })
    expect(retry.next).toBeNull()
    expect(retry.crossings).toEqual([
      { offerId: 1, sku: 'a', available: 4, direction: 'low', low: 5, hysteresis: 2, seq: 1 },
    ])
    expect(advanceStockState(state, [band], { ...observation, now: 1001 + 60_000 }).crossings).toEqual([])
  })

  it('keeps bands apart and drops bands no longer configured', () => {
    const wide: StockBand = { key: '10/1', low: 10, hysteresis: 1 }
    const { crossings, state } = run([20, 8, 3], [band, wide])
    expect(crossings.map((crossing) => `${crossing.low}:${crossing.direction}`)).toEqual(['10:low', '5:low'])
    const { state: narrowed } = run([20], [band], state)
    expect(Object.keys(narrowed?.bands ?? {})).toEqual(['5/2'])
  })

  it('property: crossings equal the plain two-state machine for any levels, low and hysteresis', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (levels, low, hysteresis) => {
          const bands = [{ key: `${low}/${hysteresis}`, low, hysteresis }]
          const { crossings } = run(levels, bands)
          expect(crossings.map((crossing) => crossing.direction)).toEqual(model(levels, low, hysteresis))
          // Directions alternate and the numbers count up from 1.
          crossings.forEach((crossing, index) => {
            expect(crossing.seq).toBe(index + 1)
            expect(crossing.direction).toBe(index % 2 === 0 ? 'low' : 'back')
          })
        },
      ),
      { numRuns: 500 },
    )
  })

  it('property: a level flapping inside the band never alerts, from either side', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: false }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.boolean(),
        (low, hysteresis, fractions, startLow) => {
          const bands = [{ key: `${low}/${hysteresis}`, low, hysteresis }]
          // Strictly above `low`, at most `low + hysteresis`: the dead band.
          const inside = fractions.map((fraction) => low + Math.max(fraction * hysteresis, 1e-6))
          const lead = startLow ? [low] : [low + hysteresis + 1]
          const { crossings } = run([...lead, ...inside], bands)
          expect(crossings).toHaveLength(startLow ? 1 : 0)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('stock rules', () => {
  it('default hysteresis is 20% of low, at least 1', () => {
    expect(defaultHysteresis(0)).toBe(1)
    expect(defaultHysteresis(3)).toBe(1)
    expect(defaultHysteresis(50)).toBe(10)
  })

  it('validates rules, applies defaults and lists every problem', () => {
    const [rule] = validateStockRules([{ low: 10, chats: [{ chatId: -1001234567890, threadId: 7 }] }])
    expect(rule).toMatchObject({
      low: 10,
      hysteresis: 2,
      backInStock: true,
      band: '10/2',
      chats: [{ chatId: '-1001234567890', threadId: 7 }],
    })
    expect(rule?.matches(null)).toBe(true)
    expect(() =>
      validateStockRules([
        { low: -1, chats: [], skus: [], lwo: 3 },
        { low: 1, chats: [{ chatId: 'x' }] },
      ]),
    ).toThrowError(
      expect.objectContaining({
        name: 'StockRuleError',
        problems: expect.arrayContaining([
          expect.stringMatching(/^stockRules\[0\]\.low: expected a number >= 0/),
          expect.stringMatching(/^stockRules\[0\]\.chats: expected at least one chat/),
          expect.stringMatching(/^stockRules\[0\]\.skus: /),
          expect.stringMatching(/^stockRules\[0\]: unknown option "lwo"; valid options: skus, low, /),
          expect.stringMatching(/^stockRules\[1\]\.chats\[0\]\.chatId: /),
        ]),
      }),
    )
  })

  it('matches SKUs exactly or by glob, case-insensitively, and never a missing SKU', () => {
    const match = skuMatcher(['a001-*', 'B-17', 'c?-x', 'd.e'])
    expect(['a001-56', 'A001-', 'b-17', 'c1-x', 'd.e'].map(match)).toEqual([true, true, true, true, true])
    expect(['a00156', 'b-170', 'c12-x', 'dxe', 'xa001-1'].map(match)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
    expect(match(null)).toBe(false)
  })
})
