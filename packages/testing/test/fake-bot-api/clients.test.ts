import { Bot, GrammyError } from 'grammy'
import { Telegraf } from 'telegraf'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi } from '../../src/fake-bot-api/index.ts'
import { CONFLICT_OTHER_POLL, FAST_STOP, waitFor } from './helpers.ts'

describe('real grammY against the fake', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  it('sends HTML messages, gets getMe and sees 429 parameters', async () => {
    fake = await createFakeBotApi({ limits: { perChatBurst: 1 } })
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url } })
    expect(await bot.api.getMe()).toMatchObject({
      id: fake.botInfo.id,
      is_bot: true,
      username: 'keygram_fake_bot',
    })

    const message = await bot.api.sendMessage(42, '<b>Order</b> &amp; co', {
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://example.com/o/1' }]] },
    })
    expect(message).toMatchObject({ text: 'Order & co', entities: [{ type: 'bold', offset: 0, length: 5 }] })
    expect(fake.sent[0]).toMatchObject({ chat_id: 42, text: '<b>Order</b> &amp; co', parse_mode: 'HTML' })

    const error = await bot.api.sendMessage(42, 'again').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GrammyError)
    expect((error as GrammyError).error_code).toBe(429)
    expect((error as GrammyError).parameters.retry_after).toBe(1)
  })

  it('receives a pushed update through bot.start(), replies, and stops cleanly', async () => {
    fake = await createFakeBotApi({ ...FAST_STOP, limits: { enabled: false } })
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url } })
    const seen: string[] = []
    bot.command('start', async (ctx) => {
      seen.push(`command:${ctx.match}`)
      await ctx.reply('welcome')
    })
    bot.on('message:text', (ctx) => {
      seen.push(`text:${ctx.message.text}`)
    })
    const running = bot.start({ drop_pending_updates: false })
    await waitFor(() => fake.hasPendingPoll, 3000, 'grammY to poll')
    fake.pushMessage({ chat: 7, text: '/start hello' })
    fake.pushMessage({ chat: 7, text: 'plain' })
    await waitFor(() => seen.length === 2, 3000, 'both updates handled')
    await bot.stop()
    await running
    expect(seen).toEqual(['command:hello', 'text:plain'])
    expect(fake.sent.map((m) => [m.chat_id, m.text])).toEqual([[7, 'welcome']])
    // stop() confirmed the offset: nothing is redelivered to the next poller
    expect(fake.pendingUpdateCount).toBe(0)
    expect(fake.countCalls('deleteWebhook')).toBe(1)
  })

  it('a second grammY poller wins: the first start() rejects with 409 and gives up', async () => {
    fake = await createFakeBotApi({ ...FAST_STOP, limits: { enabled: false } })
    const first = new Bot(fake.token, { client: { apiRoot: fake.url } })
    const second = new Bot(fake.token, { client: { apiRoot: fake.url } })
    first.on('message', () => {})
    const received: string[] = []
    second.on('message:text', (ctx) => {
      received.push(ctx.message.text)
    })
    const firstRun = first.start()
    await waitFor(() => fake.hasPendingPoll, 3000, 'the first poller')
    const secondRun = second.start()
    const error = await firstRun.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GrammyError)
    expect((error as GrammyError).error_code).toBe(409)
    expect((error as GrammyError).description).toBe(CONFLICT_OTHER_POLL)
    fake.pushMessage({ chat: 3, text: 'for the winner' })
    await waitFor(() => received.length === 1, 3000, 'the second poller to get the update')
    await second.stop()
    await secondRun
    expect(received).toEqual(['for the winner'])
  })
})

describe('real Telegraf against the fake', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  it('sends messages and receives a pushed update through launch(), then stops', async () => {
    fake = await createFakeBotApi({ ...FAST_STOP, limits: { enabled: false } })
    const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url } })
    const sent = await bot.telegram.sendMessage(-100500, '<i>hi</i>', { parse_mode: 'HTML' })
    expect(sent).toMatchObject({ text: 'hi', chat: { id: -100500 } })

    const seen: string[] = []
    bot.on('text', async (ctx) => {
      seen.push(ctx.message.text)
      await ctx.reply(`echo ${ctx.message.text}`)
    })
    const launched = bot.launch({ dropPendingUpdates: false })
    await waitFor(() => fake.hasPendingPoll, 3000, 'Telegraf to poll')
    // Telegraf long-polls with timeout 50 (the server's maximum)
    expect(fake.calls.filter((c) => c.method === 'getUpdates').at(-1)?.params).toMatchObject({ timeout: 50 })
    fake.pushMessage({ chat: 11, text: 'ping' })
    await waitFor(() => fake.sent.length === 2, 3000, 'the echo')
    bot.stop('test')
    await launched
    expect(seen).toEqual(['ping'])
    expect(fake.sent.map((m) => [m.chat_id, m.text])).toEqual([
      [-100500, '<i>hi</i>'],
      [11, 'echo ping'],
    ])
    expect(fake.countCalls('getMe')).toBe(1)
    expect(fake.pendingUpdateCount).toBe(0)
  })

  it('surfaces the fake errors as TelegramError with Telegram descriptions', async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
    fake.migrateChat(-5, -1005)
    const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url } })
    const error = (await bot.telegram.sendMessage(-5, 'x').catch((e: unknown) => e)) as {
      code: number
      description: string
      parameters?: { migrate_to_chat_id?: number }
    }
    expect(error.code).toBe(400)
    expect(error.description).toBe('Bad Request: group chat was upgraded to a supergroup chat')
    expect(error.parameters?.migrate_to_chat_id).toBe(-1005)
  })
})
