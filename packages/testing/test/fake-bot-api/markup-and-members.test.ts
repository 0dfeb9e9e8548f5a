import { afterEach, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi } from '../../src/fake-bot-api/index.ts'
import { callApi } from './helpers.ts'

const GROUP = -1001234567890
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'
const keyboard = (...data: string[]) => ({
  inline_keyboard: [data.map((d) => ({ text: d, callback_data: d }))],
})

describe('fake Bot API: editMessageReplyMarkup', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  const editMarkup = (params: Record<string, unknown>) =>
    callApi(fake, 'editMessageReplyMarkup', { chat_id: GROUP, message_id: 1, ...params })

  it('replaces or removes the keyboard and leaves the text alone', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', {
      chat_id: GROUP,
      text: '<b>Order 7</b>',
      parse_mode: 'HTML',
      reply_markup: keyboard('a', 'b'),
    })
    const confirm = {
      inline_keyboard: [[{ text: 'Confirm?', callback_data: 'y' }], [{ text: 'Back', callback_data: 'n' }]],
    }
    const replaced = await editMarkup({ reply_markup: confirm })
    expect(replaced.body.result).toMatchObject({
      message_id: 1,
      text: 'Order 7',
      entities: [{ type: 'bold', offset: 0, length: 7 }],
      reply_markup: confirm,
      edit_date: expect.any(Number),
    })
    expect(fake.message(GROUP, 1)).toEqual({
      text: 'Order 7',
      entities: [{ type: 'bold', offset: 0, length: 7 }],
      reply_markup: confirm,
      edited: false,
    })
    // the same buttons in another key order are no change
    const reordered = {
      inline_keyboard: [[{ callback_data: 'y', text: 'Confirm?' }], [{ callback_data: 'n', text: 'Back' }]],
    }
    expect((await editMarkup({ reply_markup: reordered })).body.description).toBe(NOT_MODIFIED)

    const removed = await editMarkup({})
    expect(removed.status).toBe(200)
    expect(removed.body.result).not.toHaveProperty('reply_markup')
    expect(fake.message(GROUP, 1)).not.toHaveProperty('reply_markup')
    expect((await editMarkup({ reply_markup: { inline_keyboard: [] } })).body.description).toBe(NOT_MODIFIED)
    // an empty keyboard is no keyboard, in the message and in what the chat shows
    await editMarkup({ reply_markup: keyboard('c') })
    const emptied = await editMarkup({ reply_markup: { inline_keyboard: [[]] } })
    expect(emptied.body.result).not.toHaveProperty('reply_markup')
    expect(fake.message(GROUP, 1)).not.toHaveProperty('reply_markup')

    expect(fake.markupEdits).toEqual([
      { message_id: 1, chat_id: GROUP, reply_markup: confirm, edit_date: expect.any(Number) },
      { message_id: 1, chat_id: GROUP, edit_date: expect.any(Number) },
      { message_id: 1, chat_id: GROUP, reply_markup: keyboard('c'), edit_date: expect.any(Number) },
      {
        message_id: 1,
        chat_id: GROUP,
        reply_markup: { inline_keyboard: [[]] },
        edit_date: expect.any(Number),
      },
    ])
    expect(fake.edits).toEqual([])
  })

  it('answers a missing, deleted or frozen message and a forgotten chat like editMessageText', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', { chat_id: GROUP, text: 'one', reply_markup: keyboard('a') })
    await callApi(fake, 'sendMessage', { chat_id: GROUP, text: 'two', reply_markup: keyboard('a') })
    expect((await editMarkup({ message_id: 9, reply_markup: keyboard('b') })).body.description).toBe(
      'Bad Request: message to edit not found',
    )
    fake.freezeMessage(GROUP, 1)
    expect((await editMarkup({ reply_markup: keyboard('b') })).body.description).toBe(
      "Bad Request: message can't be edited",
    )
    fake.deleteMessage(GROUP, 2)
    expect((await editMarkup({ message_id: 2, reply_markup: keyboard('b') })).body.description).toBe(
      'Bad Request: message to edit not found',
    )
    fake.forgetChat(GROUP)
    expect((await editMarkup({ reply_markup: keyboard('b') })).body.description).toBe(
      'Bad Request: chat not found',
    )
    expect(fake.markupEdits).toEqual([])
  })

  it('is paced like a message: per chat, per group and overall', async () => {
    fake = await createFakeBotApi({ limits: { perChatBurst: 2, perChatPerSecond: 0.5 } })
    await callApi(fake, 'sendMessage', { chat_id: GROUP, text: 'card', reply_markup: keyboard('a') })
    expect((await editMarkup({ reply_markup: keyboard('b') })).status).toBe(200)
    const limited = await editMarkup({ reply_markup: keyboard('c') })
    expect(limited.status).toBe(429)
    expect(limited.body.parameters?.retry_after).toBe(2)
    // the markup edits used the chat's burst: a text edit and a message wait too
    expect(
      (await callApi(fake, 'editMessageText', { chat_id: GROUP, message_id: 1, text: 'x' })).status,
    ).toBe(429)
    expect(fake.message(GROUP, 1)?.reply_markup).toEqual(keyboard('b'))

    await fake.close()
    fake = await createFakeBotApi({ limits: { perChatBurst: 100, groupPerMinute: 2, globalPerSecond: 3 } })
    await callApi(fake, 'sendMessage', { chat_id: -10, text: 'card', reply_markup: keyboard('a') })
    expect((await editMarkup({ chat_id: -10, reply_markup: keyboard('b') })).status).toBe(200)
    expect((await callApi(fake, 'sendMessage', { chat_id: -10, text: 'more' })).status).toBe(429)
    // two group messages + one private = the global 3 per second
    expect((await callApi(fake, 'sendMessage', { chat_id: 1, text: 'dm' })).status).toBe(200)
    expect((await callApi(fake, 'sendMessage', { chat_id: 2, text: 'dm' })).status).toBe(429)
  })
})

describe('fake Bot API: inline keyboards are checked like Telegram in every method that takes one', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  const markupCalls = {
    sendMessage: (reply_markup: unknown) =>
      callApi(fake, 'sendMessage', { chat_id: 3, text: 'x', reply_markup }),
    editMessageText: (reply_markup: unknown) =>
      callApi(fake, 'editMessageText', { chat_id: 3, message_id: 1, text: 'changed', reply_markup }),
    editMessageReplyMarkup: (reply_markup: unknown) =>
      callApi(fake, 'editMessageReplyMarkup', { chat_id: 3, message_id: 1, reply_markup }),
  }

  it.each(Object.keys(markupCalls) as Array<keyof typeof markupCalls>)('%s', async (method) => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    await callApi(fake, 'sendMessage', { chat_id: 3, text: 'card' })
    const call = markupCalls[method]
    const description = async (reply_markup: unknown) => (await call(reply_markup)).body.description
    const button = (fields: Record<string, unknown>) => ({ inline_keyboard: [[{ text: 'b', ...fields }]] })

    expect(await description(button({ callback_data: 'x'.repeat(65) }))).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    )
    expect(await description(button({ callback_data: '' }))).toBe(
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    expect(await description(button({ url: 'https://a.example/', callback_data: 'x' }))).toMatch(
      /^Bad Request: can't parse inline keyboard button: exactly one button type expected/,
    )
    const buttons = (n: number) => ({
      inline_keyboard: Array.from({ length: n / 4 }, (_, row) =>
        Array.from({ length: 4 }, (_, col) => ({ text: `${row}.${col}`, callback_data: `${row}.${col}` })),
      ),
    })
    expect(await description(buttons(104))).toBe('Bad Request: reply markup is too long')
    expect(fake.countCalls(method, 200)).toBe(method === 'sendMessage' ? 1 : 0)

    // the largest keyboard that fits: 100 buttons, each with 64 bytes of data
    const largest = buttons(100)
    for (const row of largest.inline_keyboard) for (const b of row) b.callback_data = 'é'.repeat(32)
    largest.inline_keyboard[0]![0]!.callback_data = 'y'.repeat(64)
    expect((await call(largest)).status).toBe(200)
  })
})

describe('fake Bot API: getChatMember', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  const member = async (chat_id: unknown, user_id: unknown) =>
    (await callApi(fake, 'getChatMember', { chat_id, user_id })).body

  it('answers member by default and the status a test sets, with Telegram fields per status', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    expect((await member(GROUP, 77)).result).toEqual({
      user: { id: 77, is_bot: false, first_name: 'User 77' },
      status: 'member',
    })
    fake.setChatMember(GROUP, 77, 'administrator')
    fake.setChatMember(GROUP, 78, 'creator')
    fake.setChatMember(GROUP, 79, 'left')
    fake.setChatMember(GROUP, 80, 'kicked')
    expect((await member(GROUP, 77)).result).toMatchObject({
      status: 'administrator',
      can_be_edited: false,
      is_anonymous: false,
      can_manage_chat: true,
    })
    expect((await member(GROUP, 78)).result).toEqual({
      user: { id: 78, is_bot: false, first_name: 'User 78' },
      status: 'creator',
      is_anonymous: false,
    })
    expect((await member(String(GROUP), '79')).result).toMatchObject({ status: 'left' })
    expect((await member(GROUP, 80)).result).toMatchObject({ status: 'kicked', until_date: 0 })
    // statuses are per chat
    expect((await member(-42, 77)).result).toMatchObject({ status: 'member' })
    expect(fake.countCalls('getChatMember')).toBe(6)
  })

  it('describes a user it has seen press or write as that user, and itself as the bot', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.pushCallbackQuery({
      from: { id: 501, first_name: 'Olena', username: 'olena' },
      message: { chat: GROUP, message_id: 1 },
      data: 'x',
    })
    expect((await member(GROUP, 501)).result).toMatchObject({
      user: { id: 501, first_name: 'Olena', username: 'olena' },
    })
    expect((await member(GROUP, fake.botInfo.id)).result).toMatchObject({ user: fake.botInfo })
  })

  it('answers a forgotten chat and a bad user id with 400s', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.forgetChat(GROUP)
    expect(await member(GROUP, 77)).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat not found',
    })
    expect((await member(-5, 'x')).description).toBe('Bad Request: Invalid user_id specified')
    expect((await member('', 77)).description).toBe('Bad Request: chat_id is empty')
    fake.blockChat(-6, 'kicked')
    expect((await member(-6, 77)).description).toBe('Forbidden: bot was kicked from the group chat')
  })
})
