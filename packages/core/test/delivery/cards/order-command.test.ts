import { afterEach, describe, expect, it } from 'vitest'
import { createFakeKeycrmApi, type FakeKeycrmApi } from '../../../../testing/src/fake-keycrm/index.ts'
import { createCommandHandlers } from '../../../src/commands/handlers.ts'
import { createJobRenderer } from '../../../src/delivery/render.ts'
import { createEnricher } from '../../../src/enrich/enrich.ts'
import { createKeycrmClient } from '../../../src/keycrm/client.ts'
import { createKeycrmDictionaries } from '../../../src/keycrm/dictionaries.ts'
import { cardSetup, GROUP, orderEvent } from './setup.ts'

const ADMIN = 4242
const fakes: FakeKeycrmApi[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})

async function keycrmApi() {
  const fake = await createFakeKeycrmApi()
  fakes.push(fake)
  const client = createKeycrmClient({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    backoff: { baseMs: 20, capMs: 50 },
  })
  return { fake, client, enrich: createEnricher({ client, dictionaries: createKeycrmDictionaries(client) }) }
}

describe('/order <id>', () => {
  it("posts the order's enriched live card into the chat, which later changes then edit", async () => {
    const { client, enrich } = await keycrmApi()
    const { store, chat, clock, notifier, makeWorker } = cardSetup({ format: { locale: 'en' } })
    const handlers = createCommandHandlers({
      store,
      admins: [ADMIN],
      keycrm: client,
      locale: 'en',
      clock: clock.now,
    })
    const worker = makeWorker({ render: createJobRenderer({ format: { locale: 'en' }, enrich }) })

    expect(await handlers.run('order', { chatId: GROUP, userId: ADMIN, args: '#67526' })).toEqual([])
    expect(await worker.runOnce()).toBe(1)
    expect(chat.sends()).toHaveLength(1)
    const card = chat.sends()[0]!
    expect(card.text).toContain('67526')
    expect(card.text).toContain('Олена Кравченко')
    expect(card.silent).toBe(false)

    // The order's next webhook edits the card /order posted.
    await notifier.accept(orderEvent(67526, 5, 59))
    clock.t += 5000
    expect(await worker.runOnce()).toBe(1)
    expect(chat.edits().map((edit) => edit.messageId)).toEqual([card.messageId])
  })

  it('refuses non-admins, asks for a number, says when KeyCRM has no such order or no API is set', async () => {
    const { client } = await keycrmApi()
    const { store } = cardSetup()
    const handlers = createCommandHandlers({ store, admins: [ADMIN], keycrm: client, locale: 'en' })
    const text = async (args: string, userId = ADMIN) =>
      (await handlers.run('order', { chatId: GROUP, userId, args })).map((reply) => reply.text).join('\n')
    expect(await text('67526', 999)).toContain('999')
    expect(await text('')).toContain('/order 12345')
    expect(await text('abc')).toContain('/order 12345')
    expect(await text('424242')).toContain('KeyCRM has no order <code>424242</code>')
    expect((await store.queue.stats(Date.now())).pending).toBe(0)
    const withoutApi = createCommandHandlers({ store, admins: [ADMIN], locale: 'en' })
    const replies = await withoutApi.run('order', { chatId: GROUP, userId: ADMIN, args: '1' })
    expect(replies[0]?.text).toContain('KEYCRM_API_KEY')
  })
})
