import { afterEach, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi } from '../../src/fake-bot-api/index.ts'
import { callApi } from './helpers.ts'

const GROUP = -1001234567890
// Telegram's wording, written out independently of the fake's constant.
const TOO_OLD = 'Bad Request: query is too old and response timeout expired or query ID is invalid'
const keyboard = (data: string) => ({ inline_keyboard: [[{ text: 'Confirm', callback_data: data }]] })

describe('fake Bot API: callback queries', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  const poll = async (params: Record<string, unknown> = {}) =>
    (await callApi(fake, 'getUpdates', { timeout: 0, ...params })).body.result as Array<
      Record<string, unknown>
    >
  const answer = (params: Record<string, unknown>) => callApi(fake, 'answerCallbackQuery', params)

  it('queues a press with the message as the chat shows it, its keyboard included', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', {
      chat_id: GROUP,
      text: '<b>Order 7</b>',
      parse_mode: 'HTML',
      reply_markup: keyboard('c:1'),
    })
    const pushed = fake.pushCallbackQuery({
      from: { id: 501, first_name: 'Olena' },
      message: { chat: GROUP, message_id: 1 },
      data: 'c:1',
    })
    const [update] = await poll()
    expect(update).toEqual(pushed)
    expect(update?.callback_query).toEqual({
      id: expect.stringMatching(/^\d{1,19}$/),
      from: { id: 501, is_bot: false, first_name: 'Olena', last_name: 'User', language_code: 'en' },
      chat_instance: expect.stringMatching(/^-?\d+$/),
      message: {
        message_id: 1,
        from: fake.botInfo,
        chat: { id: GROUP, type: 'supergroup', title: `Supergroup ${GROUP}` },
        date: expect.any(Number),
        text: 'Order 7',
        entities: [{ type: 'bold', offset: 0, length: 7 }],
        reply_markup: keyboard('c:1'),
      },
      data: 'c:1',
    })
  })

  it('keeps chat_instance per chat and gives every press its own id', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    for (const chat of [GROUP, GROUP, 42]) {
      await callApi(fake, 'sendMessage', { chat_id: chat, text: 'card', reply_markup: keyboard('x') })
    }
    const first = fake.pushCallbackQuery({ message: { chat: GROUP, message_id: 1 }, data: 'x' })
    const second = fake.pushCallbackQuery({ message: { chat: GROUP, message_id: 2 }, data: 'x' })
    const private_ = fake.pushCallbackQuery({ message: { chat: 42, message_id: 1 }, data: 'x' })
    expect(first?.callback_query.chat_instance).toBe(second?.callback_query.chat_instance)
    expect(private_?.callback_query.chat_instance).not.toBe(first?.callback_query.chat_instance)
    expect(new Set([first, second, private_].map((u) => u?.callback_query.id)).size).toBe(3)
    // the default presser: the chat's user in a private chat, one test user in groups
    expect(private_?.callback_query.from.id).toBe(42)
    expect(first?.callback_query.from.id).toBe(1_000_001)
  })

  it('shows the keyboard as it is at the press, and an inaccessible message for one it does not hold', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', { chat_id: 7, text: 'card', reply_markup: keyboard('old') })
    await callApi(fake, 'editMessageReplyMarkup', {
      chat_id: 7,
      message_id: 1,
      reply_markup: keyboard('new'),
    })
    const press = fake.pushCallbackQuery({ message: { chat: 7, message_id: 1 }, data: 'new' })
    expect(press?.callback_query.message).toMatchObject({ reply_markup: keyboard('new') })

    fake.deleteMessage(7, 1)
    const gone = fake.pushCallbackQuery({ message: { chat: 7, message_id: 1 }, data: 'forged by a client' })
    expect(gone?.callback_query.message).toEqual({
      message_id: 1,
      chat: { id: 7, type: 'private', first_name: 'User 7' },
      date: 0,
    })
    expect(gone?.callback_query.data).toBe('forged by a client')
  })

  it('answers a query once: records text, alert, url and cache time; then "too old"', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', { chat_id: GROUP, text: 'card', reply_markup: keyboard('c') })
    const press = fake.pushCallbackQuery({ message: { chat: GROUP, message_id: 1 }, data: 'c' })
    const id = press?.callback_query.id
    const first = await callApi(
      fake,
      'answerCallbackQuery',
      { callback_query_id: id, text: 'Not allowed', show_alert: 'true', cache_time: '5' },
      { encoding: 'form' },
    )
    expect(first.body).toEqual({ ok: true, result: true })
    expect(fake.callbackAnswers).toEqual([
      {
        callback_query_id: id,
        text: 'Not allowed',
        show_alert: true,
        cache_time: 5,
        query: press?.callback_query,
        at: expect.any(Number),
      },
    ])
    expect((await answer({ callback_query_id: id })).body).toEqual({
      ok: false,
      error_code: 400,
      description: TOO_OLD,
    })
    expect((await answer({ callback_query_id: '12345' })).body.description).toBe(TOO_OLD)
    expect((await answer({})).body.description).toBe(TOO_OLD)
    expect(fake.callbackAnswers).toHaveLength(1)
    expect(fake.countCalls('answerCallbackQuery', 400)).toBe(3)
  })

  it('refuses a notification over 200 characters without using the query up', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    const id = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'c' })?.callback_query.id
    // 201 characters, each two UTF-16 units: the limit counts characters
    const tooLong = await answer({ callback_query_id: id, text: '🙂'.repeat(201) })
    expect(tooLong.body).toEqual({ ok: false, error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' })
    const fits = await answer({ callback_query_id: id, text: '🙂'.repeat(200), url: 't.me/shop_bot?start=x' })
    expect(fits.status).toBe(200)
    expect(fake.callbackAnswers.map((a) => [a.text?.length, a.show_alert, a.url, a.cache_time])).toEqual([
      [400, false, 't.me/shop_bot?start=x', 0],
    ])
  })

  it('lets a query expire after callbackQueryTimeoutMs', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false }, callbackQueryTimeoutMs: 100 })
    const early = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'a' })
    const late = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'b' })
    expect((await answer({ callback_query_id: early?.callback_query.id })).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect((await answer({ callback_query_id: late?.callback_query.id })).body.description).toBe(TOO_OLD)
    expect(fake.callbackAnswers.map((a) => a.query.data)).toEqual(['a'])
  })

  it('applies allowed_updates: a filtered press is never delivered and cannot be answered', async () => {
    // polls repeat offset 0: keep Telegram's 3 s "repeated offset" poll short
    fake = await createFakeBotApi({ limits: { enabled: false }, repeatedOffsetPollMs: 50 })
    await poll({ allowed_updates: ['message'] })
    expect(fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'a' })).toBeUndefined()
    expect(fake.pendingUpdateCount).toBe(0)

    await poll({ allowed_updates: ['callback_query'] })
    expect(fake.pushMessage({ chat: 5, text: 'hi' })).toBeUndefined()
    const press = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'b' })
    expect((await poll()).map((u) => Object.keys(u))).toEqual([['callback_query', 'update_id']])
    expect((await answer({ callback_query_id: press?.callback_query.id })).status).toBe(200)
  })

  it('clear() forgets the answers but keeps pushed queries answerable', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    const a = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'a' })
    const b = fake.pushCallbackQuery({ message: { chat: 5, message_id: 1 }, data: 'b' })
    await answer({ callback_query_id: a?.callback_query.id })
    fake.clear()
    expect(fake.callbackAnswers).toEqual([])
    expect((await answer({ callback_query_id: b?.callback_query.id })).status).toBe(200)
    expect((await answer({ callback_query_id: a?.callback_query.id })).status).toBe(400)
  })
})
