import type { KeygramStore, NewJob } from '@keygram/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimInput, enqueue, job, postgresFixture } from './helpers.ts'

const T0 = 1_767_225_600_000

const renderJob: NewJob = {
  ...job('-100', 'order.change_order_status #7'),
  render: {
    webhook: { event: 'order.change_order_status', context: { id: 7, tags: [], note: 'Київ "<b>"' } },
    locale: 'en',
  },
}

describe('postgresStore jobs rendered at send time', () => {
  let fixture: ReturnType<typeof postgresFixture>
  let store: KeygramStore

  beforeEach(() => {
    fixture = postgresFixture()
    store = fixture.open()
  })
  afterEach(() => fixture.cleanup())

  it('keeps the render request with the job, on another replica too, and in dead letters', async () => {
    await enqueue(store, T0, renderJob, job('-100', 'ready'))
    const replica = fixture.open()
    const [claim] = await replica.queue.claim(claimInput(T0))
    expect(claim!.jobs[0]!.render).toEqual(renderJob.render)
    expect(claim!.jobs[0]!.message).toEqual(renderJob.message)
    expect(claim!.jobs[1]!.render).toBeUndefined()
    expect(claim!.jobs[1]!.message.text).toBe('ready')
    await replica.queue.settle('-100', claim!.claimToken, {
      dead: [{ id: claim!.jobs[0]!.id, reason: 'forbidden', error: 'blocked' }],
      done: [claim!.jobs[1]!.id],
      now: T0,
    })
    const [dead] = await store.queue.listDead()
    expect(dead!.render).toEqual(renderJob.render)
  })
})
