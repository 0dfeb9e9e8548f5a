import { afterEach, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi } from '../../src/fake-bot-api/index.ts'
import { callApi } from './helpers.ts'

const SUPERGROUP = -1001234567890

describe('fake Bot API: sendMessage and friends', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  const send = (params: Record<string, unknown>) => callApi(fake, 'sendMessage', { text: 'hi', ...params })

  it('records a sent message with everything a notification carries', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    const markup = { inline_keyboard: [[{ text: 'Open', url: 'https://acme.keycrm.app/app/orders/view/1' }]] }
    const answer = await send({
      chat_id: SUPERGROUP,
      text: '<b>Order 1</b>',
      parse_mode: 'HTML',
      reply_markup: markup,
      disable_notification: true,
      link_preview_options: { is_disabled: true },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.result).toMatchObject({
      message_id: 1,
      chat: { id: SUPERGROUP, type: 'supergroup' },
      from: { id: fake.botInfo.id, is_bot: true },
      text: 'Order 1',
      entities: [{ type: 'bold', offset: 0, length: 7 }],
      reply_markup: markup,
    })
    expect(fake.sent).toEqual([
      {
        message_id: 1,
        chat_id: SUPERGROUP,
        text: '<b>Order 1</b>',
        plain_text: 'Order 1',
        parse_mode: 'HTML',
        entities: [{ type: 'bold', offset: 0, length: 7 }],
        reply_markup: markup,
        link_preview_options: { is_disabled: true },
        disable_notification: true,
        date: expect.any(Number),
      },
    ])
    expect((await send({ chat_id: SUPERGROUP })).body.result).toMatchObject({ message_id: 2 })
  })

  it('reads urlencoded and multipart bodies like JSON', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    const markup = { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] }
    for (const encoding of ['form', 'multipart'] as const) {
      const answer = await callApi(
        fake,
        'sendMessage',
        { chat_id: '42', text: `via ${encoding}`, reply_markup: markup, disable_notification: 'true' },
        { encoding },
      )
      expect(answer.status).toBe(200)
    }
    expect(fake.sent.map((m) => [m.chat_id, m.text, m.reply_markup, m.disable_notification])).toEqual([
      [42, 'via form', markup, true],
      [42, 'via multipart', markup, true],
    ])
  })

  it('checks chat_id, threads and buttons like Telegram', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    expect((await send({})).body.description).toBe('Bad Request: chat_id is empty')
    expect((await send({ chat_id: 'not-a-chat' })).body.description).toBe('Bad Request: chat not found')

    fake.addTopic(SUPERGROUP, 7)
    expect((await send({ chat_id: SUPERGROUP, message_thread_id: 7 })).body.result).toMatchObject({
      message_thread_id: 7,
      is_topic_message: true,
    })
    expect((await send({ chat_id: SUPERGROUP, message_thread_id: 8 })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message thread not found',
    })
    expect((await send({ chat_id: -100999, message_thread_id: 8 })).status).toBe(200)

    const button = (b: Record<string, unknown>) => ({ inline_keyboard: [[{ text: 'x', ...b }]] })
    expect(
      (await send({ chat_id: 1, reply_markup: button({ url: 'javascript:alert(1)' }) })).body.description,
    ).toBe('Bad Request: BUTTON_URL_INVALID')
    expect((await send({ chat_id: 1, reply_markup: button({ url: 'ftp://x.y/' }) })).status).toBe(400)
    expect((await send({ chat_id: 1, reply_markup: button({ url: 'tg://resolve?domain=x' }) })).status).toBe(
      200,
    )
    expect((await send({ chat_id: 1, reply_markup: button({ callback_data: 'é'.repeat(32) }) })).status).toBe(
      200,
    )
    expect(
      (await send({ chat_id: 1, reply_markup: button({ callback_data: `${'é'.repeat(32)}x` }) })).body,
    ).toEqual({ ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' })
    expect((await send({ chat_id: 1, reply_markup: button({}) })).body.description).toBe(
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    expect((await send({ chat_id: 1, reply_markup: '{not json' })).body.description).toBe(
      "Bad Request: can't parse reply keyboard markup JSON object",
    )
  })

  it('answers migrated, blocked and unknown chats with Telegram errors until clearFaults', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.migrateChat(-4001, SUPERGROUP)
    fake.blockChat(77)
    fake.blockChat(-4002, 'kicked')
    fake.forgetChat(-4003)
    expect((await send({ chat_id: -4001 })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: SUPERGROUP },
    })
    expect((await send({ chat_id: SUPERGROUP })).status).toBe(200)
    const blocked = await send({ chat_id: 77 })
    expect(blocked.status).toBe(403)
    expect(blocked.body).toEqual({
      ok: false,
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    })
    expect((await send({ chat_id: -4002 })).body.description).toBe(
      'Forbidden: bot was kicked from the group chat',
    )
    expect((await send({ chat_id: -4003 })).body.description).toBe('Bad Request: chat not found')
    fake.clearFaults()
    expect((await send({ chat_id: 77 })).status).toBe(200)
    expect(fake.sent.map((m) => m.chat_id)).toEqual([SUPERGROUP, 77])
  })

  it('limits one chat to a short burst, then 429 with an honest retry_after that suffices', async () => {
    fake = await createFakeBotApi({ limits: { perChatPerSecond: 0.5, perChatBurst: 2 } })
    expect((await send({ chat_id: 5 })).status).toBe(200)
    expect((await send({ chat_id: 5 })).status).toBe(200)
    const limited = await send({ chat_id: 5 })
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    })
    // other chats are not affected by chat 5's bucket
    expect((await send({ chat_id: 6 })).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect((await send({ chat_id: 5 })).body.parameters).toEqual({ retry_after: 1 })
    await new Promise((resolve) => setTimeout(resolve, 850))
    expect((await send({ chat_id: 5 })).status).toBe(200)
    expect(fake.count429).toBe(2)
    expect(fake.sent.filter((m) => m.chat_id === 5)).toHaveLength(3)
  })

  it('limits a group to N per sliding minute and all chats to N per second', async () => {
    fake = await createFakeBotApi({ limits: { perChatBurst: 100, groupPerMinute: 3, globalPerSecond: 5 } })
    for (let i = 0; i < 3; i++) expect((await send({ chat_id: -10 })).status).toBe(200)
    const group = await send({ chat_id: -10 })
    expect(group.status).toBe(429)
    expect(group.body.parameters?.retry_after).toBeGreaterThanOrEqual(59)
    expect(group.body.parameters?.retry_after).toBeLessThanOrEqual(60)
    // private chats are not group-limited, but the global second is: 3 sent + 2 more = 5
    expect((await send({ chat_id: 1 })).status).toBe(200)
    expect((await send({ chat_id: 2 })).status).toBe(200)
    expect((await send({ chat_id: 3 })).body).toMatchObject({
      error_code: 429,
      parameters: { retry_after: 1 },
    })
    fake.resetRateLimits()
    expect((await send({ chat_id: -10 })).status).toBe(200)
  })

  it('injects 500s, dropped connections and delays, then recovers', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.fail('sendMessage', { status: 500 })
    expect((await send({ chat_id: 1 })).body).toEqual({
      ok: false,
      error_code: 500,
      description: 'Internal Server Error',
    })
    expect((await send({ chat_id: 1 })).status).toBe(200)

    fake.fail('sendmessage', { kind: 'drop_connection' })
    await expect(send({ chat_id: 1, text: 'dropped' })).rejects.toThrow()
    expect(fake.sent.map((m) => m.text)).toEqual(['hi'])
    expect(fake.calls.at(-1)).toMatchObject({ method: 'sendMessage', status: 0 })

    fake.fail('sendMessage', { kind: 'delay', ms: 300 })
    const startedAt = Date.now()
    expect((await send({ chat_id: 1, text: 'late' })).status).toBe(200)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290)

    fake.fail('*', { status: 429, retryAfter: 7 })
    expect((await callApi(fake, 'getMe')).body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    })
    fake.fail('getMe', { status: 502, body: 'html' })
    const res = await fetch(`${fake.url}/bot${fake.token}/getMe`)
    expect(res.status).toBe(502)
    expect(await res.text()).toMatch(/^<html>/)
    expect(fake.sent.map((m) => m.text)).toEqual(['hi', 'late'])
  })

  it('delay_answer sends the message at once and holds only the answer', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.fail('sendMessage', { kind: 'delay_answer', ms: 300 })
    const startedAt = Date.now()
    const answer = send({ chat_id: 1, text: 'taken' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    // Telegram already has it while the sender still waits: what a sender that dies here cannot know.
    expect(fake.sent.map((m) => m.text)).toEqual(['taken'])
    expect(fake.calls.at(-1)).toMatchObject({ method: 'sendMessage', status: null })
    expect((await answer).status).toBe(200)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290)
    expect(fake.calls.at(-1)).toMatchObject({ method: 'sendMessage', status: 200 })
  })

  it('draws rate-based faults from the seed, so runs repeat exactly', async () => {
    const pattern = async (seed: number) => {
      const api = await createFakeBotApi({ seed })
      api.fail('getMe', { rate: 0.5 })
      const statuses: number[] = []
      for (let i = 0; i < 16; i++) statuses.push((await callApi(api, 'getMe')).status)
      await api.close()
      return statuses
    }
    const first = await pattern(42)
    expect(await pattern(42)).toEqual(first)
    expect(first).toContain(500)
    expect(first).toContain(200)
    expect(await pattern(7)).not.toEqual(first)
  })

  it('answers 401 for a wrong token and 404 for unknown methods, never echoing the token', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    const wrong = `${fake.token.split(':')[0]}:AAwrongwrongwrongwrongwrongwrongwrong`
    const unauthorized = await callApi(fake, 'getMe', {}, { token: wrong })
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.body).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' })
    const unknown = await callApi(fake, 'sendTelepathy', {})
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ ok: false, error_code: 404, description: 'Not Found' })

    const answers = [
      unauthorized,
      unknown,
      await send({}),
      await send({ chat_id: 1, text: '<x>', parse_mode: 'HTML' }),
      await send({ chat_id: fake.token }),
      await callApi(fake, 'getUpdates', { offset: 'x', timeout: 0 }),
    ]
    for (const answer of answers) {
      expect(answer.text).not.toContain(fake.token)
      expect(answer.text).not.toContain(fake.token.split(':')[1])
      expect(answer.text).not.toContain(wrong.split(':')[1])
    }
  })

  it('serves getMe, commands and message edits', async () => {
    fake = await createFakeBotApi({ botInfo: { username: 'shop_bot' }, limits: { enabled: false } })
    expect((await callApi(fake, 'getMe')).body.result).toMatchObject({ username: 'shop_bot', is_bot: true })
    expect(fake.botInfo.id).toBe(Number(fake.token.split(':')[0]))

    const commands = [{ command: 'status', description: 'Show status' }]
    expect((await callApi(fake, 'setMyCommands', { commands })).body).toEqual({ ok: true, result: true })
    expect((await callApi(fake, 'getMyCommands')).body.result).toEqual(commands)
    expect(
      (await callApi(fake, 'setMyCommands', { commands: [{ command: 'Bad Name', description: 'x' }] }))
        .status,
    ).toBe(400)

    await send({ chat_id: 9, text: 'v1' })
    const edit = (text: string, message_id = 1) =>
      callApi(fake, 'editMessageText', { chat_id: 9, message_id, text })
    expect((await edit('v2')).body.result).toMatchObject({
      message_id: 1,
      text: 'v2',
      edit_date: expect.any(Number),
    })
    expect((await edit('v2')).body.description).toMatch(/^Bad Request: message is not modified/)
    expect((await edit('v3', 99)).body.description).toBe('Bad Request: message to edit not found')
    expect(fake.edits.map((e) => e.text)).toEqual(['v2'])
  })

  it('paces edits like messages, and answers a deleted or frozen message as Telegram does', async () => {
    fake = await createFakeBotApi({ limits: { perChatBurst: 2, perChatPerSecond: 1 } })
    const edit = (text: string, message_id = 1) =>
      callApi(fake, 'editMessageText', { chat_id: 9, message_id, text })
    expect((await send({ chat_id: 9, text: 'v1' })).status).toBe(200)
    expect((await edit('v2')).status).toBe(200)
    const limited = await edit('v3')
    expect(limited.status).toBe(429)
    expect(limited.body.parameters?.retry_after).toBeGreaterThanOrEqual(1)
    expect(fake.message(9, 1)).toMatchObject({ text: 'v2', edited: true })
    expect((await send({ chat_id: 9, text: 'other' })).status).toBe(429)

    fake.resetRateLimits()
    expect(fake.freezeMessage(9, 1)).toBe(true)
    expect((await edit('v4')).body.description).toBe("Bad Request: message can't be edited")
    expect(fake.deleteMessage(9, 1)).toBe(true)
    expect(fake.message(9, 1)).toBeUndefined()
    expect((await edit('v5')).body.description).toBe('Bad Request: message to edit not found')
    expect(fake.deleteMessage(9, 1)).toBe(false)
    expect(fake.edits.map((e) => e.text)).toEqual(['v2'])
  })

  it('clear() forgets records but keeps the server usable', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await send({ chat_id: 1 })
    fake.clear()
    expect([fake.sent.length, fake.calls.length, fake.responses409, fake.count429]).toEqual([0, 0, 0, 0])
    await send({ chat_id: 1 })
    expect(fake.sent).toHaveLength(1)
    expect(fake.countCalls('SENDMESSAGE', 200)).toBe(1)
  })
})
