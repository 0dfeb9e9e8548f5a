import { describe, expect, it } from 'vitest'
import { authenticateWebhook, extractWebhookSecret, verifyWebhookSecret } from '../../src/auth/index.ts'

const SECRET = 'kq7Vb2-x9_Lm4TzR8wYp'

function request(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`https://hooks.example.com${path}`, { method: 'POST', headers, body: '{}' })
}

describe('verifyWebhookSecret', () => {
  it('accepts the right secret', async () => {
    expect(await verifyWebhookSecret(SECRET, SECRET)).toBe(true)
    expect(await verifyWebhookSecret('🔑 ключ', '🔑 ключ')).toBe(true)
  })

  it('refuses a wrong secret of the same length, a prefix, an extension and a case change', async () => {
    expect(await verifyWebhookSecret(SECRET, `${SECRET.slice(0, -1)}q`)).toBe(false)
    expect(await verifyWebhookSecret(SECRET, SECRET.slice(0, 5))).toBe(false)
    expect(await verifyWebhookSecret(SECRET, `${SECRET}x`)).toBe(false)
    expect(await verifyWebhookSecret(SECRET, SECRET.toUpperCase())).toBe(false)
  })

  it('refuses empty and missing secrets', async () => {
    expect(await verifyWebhookSecret(SECRET, '')).toBe(false)
    expect(await verifyWebhookSecret(SECRET, null)).toBe(false)
    expect(await verifyWebhookSecret(SECRET, undefined)).toBe(false)
  })

  it('refuses to run with an empty expected secret', async () => {
    await expect(verifyWebhookSecret('', '')).rejects.toThrow(/empty/)
  })

  it('keeps working when the expected secret changes (cache is per secret)', async () => {
    expect(await verifyWebhookSecret('first-secret', 'first-secret')).toBe(true)
    expect(await verifyWebhookSecret('second-secret', 'first-secret')).toBe(false)
    expect(await verifyWebhookSecret('second-secret', 'second-secret')).toBe(true)
  })

  it('takes about as long for a short wrong secret as for a nearly right one', async () => {
    // Not a proof of constant time, a guard against an early exit: a length check or a byte-wise
    // compare that stops at the first difference would make `short` much faster than `close`.
    const long = 'x'.repeat(4096)
    const close = `${long.slice(0, -1)}y`
    const time = async (provided: string) => {
      const start = performance.now()
      for (let i = 0; i < 300; i++) await verifyWebhookSecret(long, provided)
      return performance.now() - start
    }
    await time('warm-up')
    const short = Math.min(await time('a'), await time('a'))
    const near = Math.min(await time(close), await time(close))
    // Hashing 4 KiB costs more than 1 byte, so `near` may be slower; never dramatically faster or slower.
    expect(short / near).toBeGreaterThan(0.2)
    expect(short / near).toBeLessThan(5)
  })
})

describe('extractWebhookSecret', () => {
  it('finds the secret in the last path segment after the prefix', () => {
    expect(extractWebhookSecret(request(`/webhooks/keycrm/${SECRET}`))).toEqual({
      secret: SECRET,
      source: 'path',
    })
    expect(extractWebhookSecret(request(`/webhooks/keycrm/shop-1/${SECRET}/`))).toEqual({
      secret: SECRET,
      source: 'path',
    })
  })

  it('percent-decodes the path segment', () => {
    expect(extractWebhookSecret(request('/webhooks/keycrm/a%2Fb%20c'))?.secret).toBe('a/b c')
    expect(extractWebhookSecret(request('/webhooks/keycrm/%E0%A4%A'))?.secret).toBe('%E0%A4%A')
  })

  it('honours a custom prefix, with or without its trailing slash', () => {
    const req = request(`/kg/hook/${SECRET}`)
    expect(extractWebhookSecret(req, { pathPrefix: '/kg/hook' })).toEqual({ secret: SECRET, source: 'path' })
    expect(extractWebhookSecret(req, { pathPrefix: '/kg/hook/' })).toEqual({ secret: SECRET, source: 'path' })
    expect(extractWebhookSecret(req)).toBeNull()
  })

  it('finds the secret in ?secret= and in the header, in that order after the path', () => {
    expect(extractWebhookSecret(request(`/webhooks/keycrm?secret=${SECRET}`))).toEqual({
      secret: SECRET,
      source: 'query',
    })
    expect(extractWebhookSecret(request('/hook', { 'x-keygram-secret': SECRET }))).toEqual({
      secret: SECRET,
      source: 'header',
    })
    expect(
      extractWebhookSecret(
        request('/webhooks/keycrm/from-path?secret=from-query', { 'x-keygram-secret': 'h' }),
      ),
    ).toEqual({ secret: 'from-path', source: 'path' })
    expect(extractWebhookSecret(request('/x?secret=from-query', { 'x-keygram-secret': 'h' }))?.source).toBe(
      'query',
    )
  })

  it('honours custom query and header names', () => {
    const req = request('/x?token=q', { 'x-hook-key': 'h' })
    expect(extractWebhookSecret(req, { query: 'token' })).toEqual({ secret: 'q', source: 'query' })
    expect(extractWebhookSecret(request('/x', { 'x-hook-key': 'h' }), { header: 'X-Hook-Key' })).toEqual({
      secret: 'h',
      source: 'header',
    })
  })

  it('treats empty values and a bare prefix as no secret', () => {
    expect(extractWebhookSecret(request('/webhooks/keycrm/'))).toBeNull()
    expect(extractWebhookSecret(request('/webhooks/keycrm/?secret=', { 'x-keygram-secret': '' }))).toBeNull()
    expect(extractWebhookSecret(request('/webhooks/keycrmX/abc'))).toBeNull()
  })
})

describe('authenticateWebhook', () => {
  it('accepts the right secret from each source', async () => {
    expect(await authenticateWebhook(request(`/webhooks/keycrm/${SECRET}`), { secret: SECRET })).toEqual({
      ok: true,
      source: 'path',
    })
    expect(await authenticateWebhook(request(`/hook?secret=${SECRET}`), { secret: SECRET })).toEqual({
      ok: true,
      source: 'query',
    })
    expect(
      await authenticateWebhook(request('/hook', { 'x-keygram-secret': SECRET }), { secret: SECRET }),
    ).toEqual({
      ok: true,
      source: 'header',
    })
  })

  it('tells a missing secret from a wrong one', async () => {
    expect(await authenticateWebhook(request('/webhooks/keycrm/'), { secret: SECRET })).toEqual({
      ok: false,
      reason: 'missing_secret',
    })
    expect(await authenticateWebhook(request('/webhooks/keycrm/guess'), { secret: SECRET })).toEqual({
      ok: false,
      reason: 'wrong_secret',
      source: 'path',
    })
  })

  it('never returns the provided or expected secret', async () => {
    const provided = 'provided-guess-123'
    for (const path of [
      `/webhooks/keycrm/${provided}`,
      `/x?secret=${provided}`,
      `/webhooks/keycrm/${SECRET}`,
    ]) {
      const text = JSON.stringify(await authenticateWebhook(request(path), { secret: SECRET }))
      expect(text).not.toContain(provided)
      expect(text).not.toContain(SECRET)
    }
  })
})
