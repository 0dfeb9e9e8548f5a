// #region actions
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFakeBotApi, createFakeKeycrmApi, type FakeBotApi, type FakeKeycrmApi } from '@keygram/testing'
import { afterEach, expect, it } from 'vitest'

const GROUP = -1001234567890
let telegram: FakeBotApi
let keycrm: FakeKeycrmApi
const webhooks: unknown[] = []
// Stands in for your KeyCRM webhook endpoint.
const endpoint = createServer(async (req, res) => {
  let body = ''
  for await (const chunk of req) body += chunk
  webhooks.push(JSON.parse(body))
  res.end('ok')
})
afterEach(async () => {
  await Promise.all([telegram.close(), keycrm.close()])
  endpoint.close()
})

/** The code under test: answer the press, change the order in KeyCRM, take the buttons off the card. */
async function handlePress(update: {
  callback_query: { id: string; data: string; message: { message_id: number } }
}) {
  const bot = (method: string, params: object) =>
    fetch(`${telegram.url}/bot${telegram.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    })
  const press = update.callback_query
  await bot('answerCallbackQuery', { callback_query_id: press.id })
  await fetch(`${keycrm.url}/order/67526`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${keycrm.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status_id: Number(press.data.split(':')[1]) }),
  })
  await bot('editMessageReplyMarkup', { chat_id: GROUP, message_id: press.message.message_id })
}

it('a press changes the order once, and KeyCRM calls back', async () => {
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
  const { port } = endpoint.address() as AddressInfo
  telegram = await createFakeBotApi()
  keycrm = await createFakeKeycrmApi({ webhookUrl: `http://127.0.0.1:${port}/keycrm/secret` })

  const sent = await fetch(`${telegram.url}/bot${telegram.token}/sendMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      chat_id: GROUP,
      text: 'Order 67526',
      reply_markup: { inline_keyboard: [[{ text: 'Completed', callback_data: 'to:12' }]] },
    }),
  })
  const { message_id } = (await sent.json()).result
  const press = telegram.pushCallbackQuery({
    from: { id: 501 },
    message: { chat: GROUP, message_id },
    data: 'to:12',
  })
  await handlePress(press!)
  await keycrm.flushWebhooks()

  expect(telegram.callbackAnswers.map((answer) => answer.query.from.id)).toEqual([501])
  expect(telegram.message(GROUP, message_id)?.reply_markup).toBeUndefined()
  expect(keycrm.writes.map((write) => [write.method, write.path, write.body, write.status])).toEqual([
    ['PUT', '/order/67526', { status_id: 12 }, 202],
  ])
  expect(webhooks).toEqual([
    {
      event: 'order.change_order_status',
      context: expect.objectContaining({ id: 67526, status_id: 12, status_group_id: 5 }),
    },
  ])
})
// #endregion actions
