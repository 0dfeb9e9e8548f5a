import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFakeBotApi, type FakeBotApi, type FakeUpdate } from '../../src/fake-bot-api/index.ts'
import { UpdateQueue } from '../../src/fake-bot-api/update-queue.ts'
import { CONFLICT_OTHER_POLL, CONFLICT_WEBHOOK, callApi, waitFor } from './helpers.ts'

const ids = (result: unknown) => (result as FakeUpdate[]).map((update) => update.update_id)

describe('getUpdates long polling', () => {
  let fake: FakeBotApi
  afterEach(() => fake?.close())

  // Resolves once the fake has taken the poll in (its parameters are parsed in the same tick it is queued),
  // with the answer still in flight.
  const startPoll = async (params: Record<string, unknown>) => {
    const pollsBefore = fake.countCalls('getUpdates')
    const answer = callApi(fake, 'getUpdates', params)
    await waitFor(
      () =>
        fake.countCalls('getUpdates') > pollsBefore &&
        Object.keys(fake.calls.at(-1)?.params ?? {}).length > 0,
      2000,
      'the fake to take the poll in',
    )
    return { answer }
  }

  it('answers the PREVIOUS pending poll 409 when a second one arrives; the newest keeps polling', async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 100 })
    const first = await startPoll({ timeout: 10 })
    const second = await startPoll({ timeout: 10 })
    const firstAnswer = await first.answer
    expect(firstAnswer.status).toBe(409)
    expect(firstAnswer.body).toEqual({ ok: false, error_code: 409, description: CONFLICT_OTHER_POLL })
    // the second poll is still waiting and receives the next update
    expect(fake.hasPendingPoll).toBe(true)
    const pushed = fake.pushMessage({ chat: 5, text: 'hello' })
    const secondAnswer = await second.answer
    expect(secondAnswer.status).toBe(200)
    expect(ids(secondAnswer.body.result)).toEqual([pushed?.update_id])
    expect(fake.responses409).toBe(1)
    expect(fake.countCalls('getUpdates', 409)).toBe(1)
  })

  it('paces 409 answers: a second conflict inside the window waits a full window', async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 400, repeatedOffsetPollMs: 0 })
    const a = await startPoll({ timeout: 10 })
    const b = await startPoll({ timeout: 10 })
    expect((await a.answer).status).toBe(409)
    const before = Date.now()
    const c = await startPoll({ timeout: 1 })
    const bAnswer = await b.answer
    const waited = Date.now() - before
    expect(bAnswer.status).toBe(409)
    expect(waited).toBeGreaterThanOrEqual(380)
    expect(fake.responses409).toBe(2)
    expect((await c.answer).status).toBe(200)
  })

  it('answers 409 while a webhook is set, and setWebhook ends a pending poll', async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 0 })
    const pending = await startPoll({ timeout: 10 })
    const set = await callApi(fake, 'setWebhook', { url: 'https://example.com/hook' })
    expect(set.body).toEqual({ ok: true, result: true, description: 'Webhook was set' })
    expect((await pending.answer).body).toEqual({
      ok: false,
      error_code: 409,
      description: 'Conflict: terminated by setWebhook request',
    })
    const poll = await callApi(fake, 'getUpdates', { timeout: 0 })
    expect(poll.body).toEqual({ ok: false, error_code: 409, description: CONFLICT_WEBHOOK })
    expect((await callApi(fake, 'getWebhookInfo')).body.result).toMatchObject({
      url: 'https://example.com/hook',
    })
    expect((await callApi(fake, 'setWebhook', { url: 'http://plain.example' })).body.description).toBe(
      'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    )
  })

  it('deleteWebhook(drop_pending_updates) drops queued updates but does not end a poll in flight', async () => {
    fake = await createFakeBotApi()
    for (const text of ['a', 'b', 'c']) fake.pushMessage({ chat: 1, text })
    expect((await callApi(fake, 'getWebhookInfo')).body.result).toEqual({
      url: '',
      has_custom_certificate: false,
      pending_update_count: 3,
    })
    const dropped = await callApi(fake, 'deleteWebhook', { drop_pending_updates: true })
    expect(dropped.body).toEqual({ ok: true, result: true, description: 'Webhook was deleted' })
    expect(fake.pendingUpdateCount).toBe(0)
    expect((await callApi(fake, 'getUpdates', { timeout: 0 })).body.result).toEqual([])

    const pending = await startPoll({ timeout: 10 })
    const again = await callApi(fake, 'deleteWebhook', {})
    expect(again.body.description).toBe('Webhook is already deleted')
    expect(fake.hasPendingPoll).toBe(true)
    fake.pushMessage({ chat: 1, text: 'after' })
    expect((await pending.answer).status).toBe(200)
  })

  it('confirms updates with offset, honours limit and negative offsets', async () => {
    fake = await createFakeBotApi({ repeatedOffsetPollMs: 0 })
    const pushed = ['1', '2', '3', '4'].map((text) => fake.pushMessage({ chat: 1, text })?.update_id)
    expect(pushed).toEqual([1, 2, 3, 4])
    expect(ids((await callApi(fake, 'getUpdates', { limit: 2 })).body.result)).toEqual([1, 2])
    // nothing confirmed yet: offset 0 returns the head again
    expect(ids((await callApi(fake, 'getUpdates', {})).body.result)).toEqual([1, 2, 3, 4])
    expect(ids((await callApi(fake, 'getUpdates', { offset: 3 })).body.result)).toEqual([3, 4])
    expect(fake.pendingUpdateCount).toBe(2)
    // form-encoded numbers work the same
    expect(
      ids((await callApi(fake, 'getUpdates', { offset: '4' }, { encoding: 'form' })).body.result),
    ).toEqual([4])
    fake.pushMessage({ chat: 1, text: '5' })
    expect(ids((await callApi(fake, 'getUpdates', { offset: -1 })).body.result)).toEqual([5])
    expect(fake.pendingUpdateCount).toBe(1)
  })

  it('filters new updates by allowed_updates; by default chat_member is left out', async () => {
    fake = await createFakeBotApi()
    expect(fake.pushUpdate({ chat_member: { chat: { id: -1 } } })).toBeUndefined()
    await callApi(fake, 'getUpdates', { allowed_updates: ['callback_query'] })
    expect(fake.pushMessage({ chat: 1, text: 'ignored' })).toBeUndefined()
    expect(fake.pushUpdate({ callback_query: { id: 'q', data: 'x' } })?.update_id).toBe(1)
    await callApi(fake, 'getUpdates', { allowed_updates: [], offset: 2 })
    expect(fake.pushMessage({ chat: 1, text: 'kept' })?.update_id).toBe(2)
  })

  it('turns a quick repeat of the same offset into a long poll: the shutdown trap ends the new poller with 409', async () => {
    fake = await createFakeBotApi({ repeatedOffsetPollMs: 600, conflictPacingMs: 0 })
    // instance B starts polling at offset 1
    const b = await startPoll({ offset: 1, timeout: 30 })
    // instance A, stopping, confirms the same offset with timeout 0 (as grammY's and Telegraf's stop() do)
    const startedAt = Date.now()
    const confirm = callApi(fake, 'getUpdates', { offset: 1, limit: 1, timeout: 0 })
    expect((await b.answer).body.description).toBe(CONFLICT_OTHER_POLL)
    expect((await confirm).body.result).toEqual([])
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(580)
  })

  it('a getUpdates with timeout 0 answers at once and leaves the pending poll alone; one with a timeout ends it (Client.cpp)', async () => {
    fake = await createFakeBotApi({ conflictPacingMs: 0, repeatedOffsetPollMs: 0 })
    const poller = await startPoll({ offset: 7, timeout: 30 })
    expect((await callApi(fake, 'getUpdates', { timeout: 0 })).body).toEqual({ ok: true, result: [] })
    expect(fake.hasPendingPoll).toBe(true)
    const watch = await startPoll({ timeout: 5 })
    expect((await poller.answer).body.description).toBe(CONFLICT_OTHER_POLL)
    // The poller retries at once: its request ends the watching one, as the newest always wins.
    const retry = await startPoll({ offset: 7, timeout: 30 })
    expect((await watch.answer).body.description).toBe(CONFLICT_OTHER_POLL)
    fake.pushMessage({ chat: 1, text: 'still polling' })
    expect((await retry.answer).status).toBe(200)
  })

  it('queues the my_chat_member update of the bot being added to a group, and getChat knows the group', async () => {
    fake = await createFakeBotApi()
    const chat = { id: -1001234567890, type: 'supergroup' as const, title: 'Orders' }
    fake.addBotToChat({ chat, from: { id: 42, first_name: 'Owner' } })
    const [update] = (await callApi(fake, 'getUpdates', {})).body.result as FakeUpdate[]
    expect(update?.my_chat_member).toMatchObject({
      chat,
      from: { id: 42, first_name: 'Owner' },
      old_chat_member: { status: 'left', user: { id: fake.botInfo.id } },
      new_chat_member: { status: 'member', user: { id: fake.botInfo.id } },
    })
    expect((await callApi(fake, 'getChat', { chat_id: chat.id })).body.result).toEqual(chat)
    fake.forgetChat(-1009)
    expect((await callApi(fake, 'getChat', { chat_id: -1009 })).body).toMatchObject({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat not found',
    })
  })

  it('answers a plain timeout with an empty list once the timeout passes', async () => {
    fake = await createFakeBotApi()
    const startedAt = Date.now()
    const answer = await callApi(fake, 'getUpdates', { timeout: 1 })
    expect(answer.body).toEqual({ ok: true, result: [] })
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(990)
  })
})

describe('UpdateQueue timing (fake clock)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('clamps the long-poll timeout to 50 s', () => {
    vi.useFakeTimers()
    const queue = new UpdateQueue({ conflictPacingMs: 3000, repeatedOffsetPollMs: 3000 })
    const respond = vi.fn()
    queue.getUpdates({ timeout: 3600 }, respond)
    vi.advanceTimersByTime(49_999)
    expect(respond).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(respond).toHaveBeenCalledWith([])
    queue.close()
  })

  it('delays a second 409 inside the pacing window by the full window', () => {
    vi.useFakeTimers()
    const queue = new UpdateQueue({ conflictPacingMs: 3000, repeatedOffsetPollMs: 0 })
    const first = vi.fn()
    const second = vi.fn()
    queue.getUpdates({ timeout: 50 }, first)
    queue.getUpdates({ timeout: 50, offset: 1 }, second)
    expect(first).toHaveBeenCalledTimes(1)
    queue.getUpdates({ timeout: 50, offset: 2 }, vi.fn())
    vi.advanceTimersByTime(2999)
    expect(second).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(second.mock.calls[0]?.[0]).toMatchObject({ code: 409, description: CONFLICT_OTHER_POLL })
    queue.close()
  })
})
