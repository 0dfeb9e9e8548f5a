import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSecretMatcher, equalsInConstantTime } from '../src/http/secret.ts'

describe('equalsInConstantTime', () => {
  it('is true exactly for equal strings', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (expected, candidate) => {
        expect(equalsInConstantTime(expected, candidate)).toBe(expected === candidate)
        expect(equalsInConstantTime(expected, expected)).toBe(true)
      }),
      { numRuns: 5000 },
    )
  })

  it('refuses prefixes, extensions and one-character changes of the secret', () => {
    const secret = 'bench-ingest-secret-0123456789'
    const matches = createSecretMatcher(secret)
    expect(matches(secret)).toBe(true)
    expect(matches(secret.slice(0, -1))).toBe(false)
    expect(matches(`${secret}0`)).toBe(false)
    expect(matches(`${secret}\u0000`)).toBe(false)
    expect(matches('')).toBe(false)
    for (let index = 0; index < secret.length; index++) {
      expect(matches(`${secret.slice(0, index)}X${secret.slice(index + 1)}`)).toBe(false)
    }
  })

  it('refuses an empty secret at creation', () => {
    expect(() => createSecretMatcher('')).toThrow(TypeError)
  })
})
