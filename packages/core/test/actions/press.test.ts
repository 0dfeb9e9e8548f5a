import { afterEach, describe, expect, it } from 'vitest'
import { listActions } from '../../src/actions/audit.ts'
import { ADMIN, actionHarness, GROUP, ORDER } from './harness.ts'

const harnesses: Awaited<ReturnType<typeof actionHarness>>[] = []
async function setup(...args: Parameters<typeof actionHarness>) {
  const harness = await actionHarness(...args)
  harnesses.push(harness)
  await harness.webhookOfOrder()
  return harness
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()))
})

describe('action buttons', () => {
  it('a card shows one button per allowed transition above "Open in KeyCRM"', async () => {
    const h = await setup()
    expect(h.buttons().map((button) => button.text)).toEqual(['Completed', 'Canceled', 'Open in KeyCRM'])
    expect(h.buttons()[0]?.callback_data?.length).toBeLessThanOrEqual(64)
  })

  it("a press: one PUT, the card edited at once with who changed it, KeyCRM's own webhook adds no message", async () => {
    const h = await setup()
    const outcome = await h.press(h.button('Completed'))
    expect(outcome).toMatchObject({
      outcome: 'applied',
      from: 11,
      to: 12,
      userId: ADMIN,
      chatId: String(GROUP),
    })
    expect(h.puts()).toEqual([
      expect.objectContaining({ path: `/order/${ORDER}`, body: { status_id: 12 }, status: 202 }),
    ])
    expect(h.answers()).toEqual([{ text: 'Done: «Completed»', alert: false }])
    const shown = h.fake.message(GROUP, h.card().message_id)!
    expect(shown.text).toMatch(/Completed|completed/)
    expect(shown.text).toContain('Olha')
    expect(JSON.stringify(shown.reply_markup)).not.toContain('"Completed"')

    // KeyCRM fires the webhook of that very change: the card already shows it, no second message.
    await h.webhookOfOrder()
    expect(h.fake.sent.filter((message) => message.chat_id === GROUP)).toHaveLength(1)
    const audit = await listActions(h.store.events, { fromMs: 0, toMs: Date.now() + 1000, id: ORDER })
    expect(audit).toEqual([
      expect.objectContaining({ outcome: 'applied', from: 11, to: 12, userName: 'Olha User' }),
    ])
  })

  it('a transition into the canceled group asks first; Back restores the buttons; Confirm applies it', async () => {
    const h = await setup()
    expect(await h.press(h.button('Canceled'))).toMatchObject({ outcome: 'asked' })
    expect(h.puts()).toHaveLength(0)
    expect(h.buttons().map((button) => button.text)).toEqual(['Confirm «Canceled»?', '← Back'])
    expect(await h.press(h.button('← Back'))).toMatchObject({ outcome: 'back' })
    expect(h.buttons().map((button) => button.text)).toEqual(['Completed', 'Canceled', 'Open in KeyCRM'])
    await h.press(h.button('Canceled'))
    expect(await h.press(h.button('Confirm «Canceled»?'))).toMatchObject({ outcome: 'applied', to: 19 })
    expect(h.puts()).toHaveLength(1)
  })

  it("the confirmation reverts to the card's buttons after its time", async () => {
    const h = await setup(undefined)
    const quick = await actionHarnessWithConfirm(50)
    expect(await quick.press(quick.button('Canceled'))).toMatchObject({ outcome: 'asked' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(quick.buttons().map((button) => button.text)).toEqual(['Completed', 'Canceled', 'Open in KeyCRM'])
    void h
  })

  it('refuses someone who may not press, with an alert and no PUT', async () => {
    const h = await setup()
    expect(await h.press(h.button('Completed'), 777)).toMatchObject({ outcome: 'forbidden', userId: 777 })
    expect(h.puts()).toHaveLength(0)
    expect(h.answers()).toEqual([{ text: 'You may not change this status. Ask an admin.', alert: true }])
  })

  it("the chat's Telegram administrators may press when a rule says so, asked once and remembered", async () => {
    const h = await setup({ rules: [{ from: { statusIds: [11] }, to: ['completed'], who: ['chatAdmins'] }] })
    h.fake.setChatMember(GROUP, 555, 'administrator')
    const token = h.button('Completed')
    expect(await h.press(token, ADMIN)).toMatchObject({ outcome: 'forbidden' })
    expect(await h.press(token, 555)).toMatchObject({ outcome: 'applied' })
    expect(h.fake.countCalls('getChatMember')).toBe(2)
    // The same administrator again (the button is spent by now): the answer comes from the cache.
    expect(await h.press(token, 555)).toMatchObject({ outcome: 'duplicate' })
    expect(h.fake.countCalls('getChatMember')).toBe(2)
  })

  it('a forged, altered or foreign token changes nothing and says the button is stale', async () => {
    const h = await setup()
    const token = h.button('Completed')
    const altered = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`
    expect(await h.press(altered)).toMatchObject({
      outcome: 'stale',
      detail: expect.stringMatching(/forged|malformed/),
    })
    expect(await h.press('not-a-token')).toMatchObject({ outcome: 'stale' })
    expect(h.puts()).toHaveLength(0)
    expect(h.answers().every((answer) => answer.alert && answer.text.includes('stale'))).toBe(true)
  })

  it('someone changed the order in KeyCRM meanwhile: refused, the card refreshed, the presser told what it is now', async () => {
    const h = await setup()
    await h.keycrm.changeOrderStatus(ORDER, 8)
    expect(await h.press(h.button('Completed'))).toMatchObject({ outcome: 'conflict' })
    expect(h.puts()).toHaveLength(0)
    expect(h.answers()[0]).toMatchObject({ alert: true, text: expect.stringContaining('delivery_agreed') })
    expect(h.fake.message(GROUP, h.card().message_id)?.text).toMatch(/delivery_agreed|Delivery agreed/i)
  })

  it('a double press applies the change once', async () => {
    const h = await setup()
    const token = h.button('Completed')
    const outcomes = await Promise.all([h.press(token), h.press(token)])
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['applied', 'duplicate'])
    expect(h.puts()).toHaveLength(1)
  })

  it('a KeyCRM refusal is told in plain words, the card unchanged; a later press may try again', async () => {
    const h = await setup()
    h.keycrm.fault({ kind: 'http_error', method: 'PUT', status: 422, times: 1 })
    const before = h.fake.message(GROUP, h.card().message_id)?.text
    expect(await h.press(h.button('Completed'))).toMatchObject({ outcome: 'failed' })
    expect(h.answers()[0]).toEqual({
      alert: true,
      text: 'Not changed: KeyCRM did not accept this status for it.',
    })
    expect(h.fake.message(GROUP, h.card().message_id)?.text).toBe(before)
    expect(await h.press(h.button('Completed'))).toMatchObject({ outcome: 'applied' })
    expect(h.puts().filter((put) => put.status === 202)).toHaveLength(1)
  })

  it('a timeout after KeyCRM applied the change: the retry sees it and sends no second PUT', async () => {
    const h = await setup()
    h.keycrm.fault({ kind: 'slow', method: 'PUT', delayMs: 1500, applied: true, times: 1 })
    expect(await h.press(h.button('Completed'))).toMatchObject({ outcome: 'failed' })
    expect(await h.press(h.button('Completed'))).toMatchObject({
      outcome: 'applied',
      detail: 'KeyCRM already had it',
    })
    expect(h.puts()).toHaveLength(1)
  })
})

describe('action buttons with cards off', () => {
  it('sit on each notification; a press edits that notification into the changed state', async () => {
    const h = await setup({ cards: false })
    expect(h.buttons().map((button) => button.text)).toEqual(['Completed', 'Canceled', 'Open in KeyCRM'])
    expect(await h.press(h.button('Completed'))).toMatchObject({ outcome: 'applied', to: 12 })
    expect(h.puts()).toHaveLength(1)
    const shown = h.fake.message(GROUP, h.card().message_id)!
    expect(shown.text).toMatch(/Completed/)
    expect(shown.text).toContain('Olha')
    // KeyCRM's webhook of the change is a notification of its own, as cards off means; no buttons lead on.
    await h.webhookOfOrder()
    const notifications = h.fake.sent.filter((message) => message.chat_id === GROUP)
    expect(notifications).toHaveLength(2)
    expect(JSON.stringify(notifications[1]?.reply_markup)).not.toContain('callback_data')
  })
})

async function actionHarnessWithConfirm(confirmMs: number) {
  const harness = await actionHarness({ handler: { confirmMs } })
  harnesses.push(harness)
  await harness.webhookOfOrder()
  return harness
}
