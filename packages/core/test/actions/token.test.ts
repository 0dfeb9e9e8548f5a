import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ACTION_TOKEN_LENGTH,
  type ActionClaims,
  createActionTokens,
  isTokenChatId,
} from '../../src/actions/token.ts'

const SECRET = 'a-webhook-secret-of-thirty-two-chars'
const NOW = 1_796_000_000

const claimsArbitrary: fc.Arbitrary<ActionClaims> = fc.record({
  step: fc.constantFrom('go' as const, 'confirm' as const, 'back' as const),
  chatId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((id) => id.toString()),
  messageId: fc.integer({ min: 0, max: 0xffff_ffff }),
  entity: fc.constantFrom('order' as const, 'lead' as const),
  id: fc.integer({ min: 1, max: 2 ** 48 - 1 }),
  fromStatus: fc.integer({ min: 0, max: 0xffff_ffff }),
  toStatus: fc.integer({ min: 0, max: 0xffff_ffff }),
  expiresAt: fc.integer({ min: NOW + 1, max: 0xffff_ffff }),
})

const largest: ActionClaims = {
  step: 'confirm',
  chatId: '-1009999999999999',
  messageId: 2_147_483_647,
  entity: 'order',
  id: 2 ** 48 - 1,
  fromStatus: 0xffff_ffff,
  toStatus: 0xffff_ffff,
  expiresAt: 0xffff_ffff,
}

describe('action tokens', () => {
  it('fits callback_data (64 bytes) with the largest ids, and carries exactly what was signed', async () => {
    const tokens = await createActionTokens(SECRET)
    const token = await tokens.sign(largest)
    expect(new TextEncoder().encode(token).length).toBe(ACTION_TOKEN_LENGTH)
    expect(ACTION_TOKEN_LENGTH).toBeLessThanOrEqual(64)
    expect(await tokens.verify(token, NOW)).toEqual({ ok: true, claims: largest })
    await fc.assert(
      fc.asyncProperty(claimsArbitrary, async (claims) => {
        const signed = await tokens.sign(claims)
        expect(signed).toMatch(/^[A-Za-z0-9_-]+$/)
        expect(signed.length).toBe(ACTION_TOKEN_LENGTH)
        expect(await tokens.verify(signed, NOW)).toEqual({ ok: true, claims })
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a token with any one character changed', async () => {
    const tokens = await createActionTokens(SECRET)
    await fc.assert(
      fc.asyncProperty(
        claimsArbitrary,
        fc.nat(),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        async (claims, position, replacement) => {
          const token = await tokens.sign(claims)
          const index = position % token.length
          fc.pre(token[index] !== replacement)
          const altered = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`
          const result = await tokens.verify(altered, NOW)
          expect(result.ok).toBe(false)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('refuses a token signed with another secret, cut short, padded or not base64url', async () => {
    const tokens = await createActionTokens(SECRET)
    const other = await createActionTokens(`${SECRET}-rotated`)
    const token = await tokens.sign(largest)
    expect(await tokens.verify(await other.sign(largest), NOW)).toEqual({ ok: false, reason: 'forged' })
    expect(await tokens.verify(token.slice(0, -1), NOW)).toEqual({ ok: false, reason: 'malformed' })
    expect(await tokens.verify(`${token}A`, NOW)).toEqual({ ok: false, reason: 'malformed' })
    expect(await tokens.verify(`${token.slice(0, 10)}+${token.slice(11)}`, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    })
    expect(await tokens.verify('', NOW)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('expires at its expiry second, not before', async () => {
    const tokens = await createActionTokens(SECRET)
    await fc.assert(
      fc.asyncProperty(claimsArbitrary, async (claims) => {
        const token = await tokens.sign(claims)
        expect((await tokens.verify(token, claims.expiresAt - 1)).ok).toBe(true)
        expect(await tokens.verify(token, claims.expiresAt)).toEqual({ ok: false, reason: 'expired' })
      }),
      { numRuns: 100 },
    )
  })

  it('binds numeric chats only, and refuses out-of-range fields and short secrets', async () => {
    const tokens = await createActionTokens(SECRET)
    expect(isTokenChatId('-1001234567890')).toBe(true)
    expect(isTokenChatId('@shop_channel')).toBe(false)
    expect(isTokenChatId('99999999999999999999')).toBe(false)
    await expect(tokens.sign({ ...largest, chatId: '@shop_channel' })).rejects.toThrow(/numeric id/)
    await expect(tokens.sign({ ...largest, id: 2 ** 48 })).rejects.toThrow(/id/)
    await expect(tokens.sign({ ...largest, toStatus: -1 })).rejects.toThrow(/toStatus/)
    await expect(createActionTokens('short')).rejects.toThrow(/16 characters/)
  })
})
