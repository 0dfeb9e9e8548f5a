import { Bot } from 'grammy'
import { Telegraf } from 'telegraf'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeBotApi, type FakeBotApi } from '../../src/fake-bot-api/index.ts'
import { FAST_STOP, waitFor } from './helpers.ts'

const GROUP = -1001234567890
const card = { inline_keyboard: [[{ text: 'Shipped', callback_data: 'ship:7' }]] }
const confirm = {
  inline_keyboard: [
    [{ text: 'Confirm shipped?', callback_data: 'yes:7' }],
    [{ text: 'Back', callback_data: 'no:7' }],
  ],
}

/** Send the card the presses land on, and make user 501 an administrator of the group. */
async function setUp(fake: FakeBotApi, send: () => Promise<unknown>): Promise<void> {
  await send()
  fake.setChatMember(GROUP, 501, 'administrator')
}

function pressBoth(fake: FakeBotApi): void {
  fake.pushCallbackQuery({ from: { id: 501 }, message: { chat: GROUP, message_id: 1 }, data: 'ship:7' })
  fake.pushCallbackQuery({ from: { id: 502 }, message: { chat: GROUP, message_id: 1 }, data: 'ship:7' })
}

const settled = (fake: FakeBotApi): boolean =>
  fake.callbackAnswers.length === 2 && fake.markupEdits.length === 1

/** What the admin and the member saw: the admin's press turned the card into a confirmation. */
function expectOutcome(fake: FakeBotApi, seen: string[]): void {
  expect(seen).toEqual(['501:administrator:ship:7', '502:member:ship:7'])
  expect(fake.callbackAnswers.map((a) => [a.query.from.id, a.text, a.show_alert])).toEqual([
    [501, undefined, false],
    [502, 'Only administrators may do this', true],
  ])
  expect(fake.markupEdits).toEqual([
    { message_id: 1, chat_id: GROUP, reply_markup: confirm, edit_date: expect.any(Number) },
  ])
  expect(fake.message(GROUP, 1)?.reply_markup).toEqual(confirm)
  expect(fake.countCalls('getChatMember')).toBe(2)
}

describe('callback queries through real clients polling the fake', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  it('grammY: bot.callbackQuery, getChatMember, answerCallbackQuery, editMessageReplyMarkup', async () => {
    fake = await createFakeBotApi({ ...FAST_STOP, limits: { enabled: false } })
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url } })
    await setUp(fake, () => bot.api.sendMessage(GROUP, 'Order 7', { reply_markup: card }))
    const seen: string[] = []
    bot.callbackQuery(/^ship:(\d+)$/, async (ctx) => {
      const member = await ctx.getAuthor()
      seen.push(`${ctx.from.id}:${member.status}:${ctx.callbackQuery.data}`)
      if (member.status !== 'administrator' && member.status !== 'creator') {
        await ctx.answerCallbackQuery({ text: 'Only administrators may do this', show_alert: true })
        return
      }
      await ctx.answerCallbackQuery()
      await ctx.editMessageReplyMarkup({ reply_markup: confirm })
    })
    const running = bot.start({ drop_pending_updates: false })
    await waitFor(() => fake.hasPendingPoll, 3000, 'grammY to poll')
    pressBoth(fake)
    await waitFor(() => settled(fake), 3000, 'both presses answered and the card edited')
    await bot.stop()
    await running
    expectOutcome(fake, seen)
  })

  it('Telegraf: bot.action, getChatMember, answerCbQuery, editMessageReplyMarkup', async () => {
    fake = await createFakeBotApi({ ...FAST_STOP, limits: { enabled: false } })
    const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url } })
    await setUp(fake, () => bot.telegram.sendMessage(GROUP, 'Order 7', { reply_markup: card }))
    const seen: string[] = []
    bot.action(/^ship:(\d+)$/, async (ctx) => {
      const member = await ctx.getChatMember(ctx.from.id)
      const data = 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : ''
      seen.push(`${ctx.from.id}:${member.status}:${data}`)
      if (member.status !== 'administrator' && member.status !== 'creator') {
        await ctx.answerCbQuery('Only administrators may do this', { show_alert: true })
        return
      }
      await ctx.answerCbQuery()
      await ctx.editMessageReplyMarkup(confirm)
    })
    const launched = bot.launch({ dropPendingUpdates: false })
    await waitFor(() => fake.hasPendingPoll, 3000, 'Telegraf to poll')
    pressBoth(fake)
    await waitFor(() => settled(fake), 3000, 'both presses answered and the card edited')
    bot.stop('test')
    await launched
    expectOutcome(fake, seen)
  })
})
