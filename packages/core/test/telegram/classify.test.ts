import { describe, expect, it } from 'vitest'
import { classifyTelegramFailure } from '../../src/telegram/classify.ts'

// Descriptions exactly as the Bot API sends them.
describe('classifyTelegramFailure', () => {
  it.each([
    [429, 'Too Many Requests: retry after 7', { retry_after: 7 }, 'rate_limited'],
    [403, 'Forbidden: bot was blocked by the user', undefined, 'forbidden'],
    [403, 'Forbidden: bot was kicked from the supergroup chat', undefined, 'forbidden'],
    [400, 'Bad Request: chat not found', undefined, 'chat_not_found'],
    [400, 'Bad Request: message thread not found', undefined, 'thread_not_found'],
    [
      400,
      'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
      undefined,
      'parse_entities',
    ],
    [400, 'Bad Request: message is too long', undefined, 'message_too_long'],
    [400, 'Bad Request: message text is empty', undefined, 'bad_request'],
    [401, 'Unauthorized', undefined, 'unauthorized'],
    [404, 'Not Found', undefined, 'unauthorized'],
    [
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      undefined,
      'conflict',
    ],
    [500, 'Internal Server Error', undefined, 'server_error'],
    [502, 'Bad Gateway', undefined, 'server_error'],
    [null, 'fetch failed', undefined, 'network'],
  ] as const)('%s %s -> %s', (code, description, parameters, kind) => {
    const failure = classifyTelegramFailure(code, description, parameters)
    expect(failure).toMatchObject({ ok: false, kind, errorCode: code, description })
  })

  it('carries retry_after for 429', () => {
    expect(
      classifyTelegramFailure(429, 'Too Many Requests: retry after 7', { retry_after: 7 }).retryAfter,
    ).toBe(7)
    expect(classifyTelegramFailure(429, 'Too Many Requests', {}).retryAfter).toBeUndefined()
  })

  it('recognises a group upgraded to a supergroup by its migrate_to_chat_id', () => {
    const failure = classifyTelegramFailure(
      400,
      'Bad Request: group chat was upgraded to a supergroup chat',
      {
        migrate_to_chat_id: -1001234567890,
      },
    )
    expect(failure.kind).toBe('migrated')
    expect(failure.migrateToChatId).toBe('-1001234567890')
  })

  it('does not call a plain 400 about upgrades a migration without the parameter', () => {
    expect(
      classifyTelegramFailure(400, 'Bad Request: group chat was upgraded to a supergroup chat').kind,
    ).toBe('bad_request')
  })
})
