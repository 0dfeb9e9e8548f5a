import { describe, expect, it } from 'vitest'
import {
  isKeycrmWebhookError,
  KEYCRM_WEBHOOK_ERROR_STATUS,
  KeycrmWebhookError,
  type KeycrmWebhookErrorCode,
} from '../../src/webhook/index.ts'

describe('KeycrmWebhookError', () => {
  it('maps every code to the status a server should answer', () => {
    expect(KEYCRM_WEBHOOK_ERROR_STATUS).toEqual({
      invalid_json: 400,
      not_an_object: 400,
      missing_event: 400,
      invalid_event: 400,
      missing_context: 400,
      invalid_context: 400,
      payload_too_large: 413,
      unsupported_media_type: 415,
      method_not_allowed: 405,
      invalid_encoding: 400,
      empty_body: 400,
    })
    for (const code of Object.keys(KEYCRM_WEBHOOK_ERROR_STATUS) as KeycrmWebhookErrorCode[]) {
      expect(new KeycrmWebhookError(code, 'm').status).toBe(KEYCRM_WEBHOOK_ERROR_STATUS[code])
    }
  })

  it('is an Error with a name, a path and a JSON form', () => {
    const error = new KeycrmWebhookError('invalid_context', 'context.id: missing', 'context.id')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('KeycrmWebhookError')
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: 'invalid_context',
      message: 'context.id: missing',
      path: 'context.id',
    })
  })

  it('is recognised across package copies by shape, and nothing else is', () => {
    const foreign = Object.assign(new Error('x'), { name: 'KeycrmWebhookError', code: 'empty_body' })
    expect(isKeycrmWebhookError(new KeycrmWebhookError('empty_body', 'x'))).toBe(true)
    expect(isKeycrmWebhookError(foreign)).toBe(true)
    expect(
      isKeycrmWebhookError(Object.assign(new Error('x'), { name: 'KeycrmWebhookError', code: 'nope' })),
    ).toBe(false)
    expect(isKeycrmWebhookError(new TypeError('x'))).toBe(false)
    expect(isKeycrmWebhookError({ name: 'KeycrmWebhookError', code: 'empty_body' })).toBe(false)
  })
})
