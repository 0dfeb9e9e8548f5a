import { describe, expect, it } from 'vitest'
import { createClaimKeeper } from '../../src/delivery/claim-keeper.ts'
import type { ClaimedChat, QueueStore } from '../../src/delivery/types.ts'

const claim = (chatId: string): ClaimedChat => ({ chatId, claimToken: `t-${chatId}`, jobs: [] })
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function recordingQueue(answers: Record<string, 'ok' | 'lost' | 'throw'>) {
  const renewals: string[] = []
  const queue: Pick<QueueStore, 'renew'> = {
    async renew(chatId, _token, { leaseMs }) {
      renewals.push(`${chatId}:${leaseMs}`)
      const answer = answers[chatId] ?? 'ok'
      if (answer === 'throw') throw new Error('store down')
      return { ok: answer === 'ok' }
    },
  }
  return { queue, renewals }
}

describe('createClaimKeeper', () => {
  it('renews held claims every third of the lease until they are released', async () => {
    const { queue, renewals } = recordingQueue({})
    const keeper = createClaimKeeper({
      queue,
      leaseMs: 90,
      now: Date.now,
      onLost: () => {},
      onError: () => {},
    })
    keeper.hold(claim('1'))
    // 30 ms apart: at least two in 250 ms even on a loaded machine.
    await wait(250)
    keeper.release(claim('1'))
    const count = renewals.length
    expect(count).toBeGreaterThanOrEqual(2)
    expect(renewals.every((entry) => entry === '1:90')).toBe(true)
    await wait(100)
    expect(renewals).toHaveLength(count)
    expect(keeper.size).toBe(0)
  })

  it('drops a claim the store says is lost, and keeps trying one it could not reach', async () => {
    const { queue, renewals } = recordingQueue({ lost: 'lost', down: 'throw' })
    const lost: string[] = []
    const errors: string[] = []
    const keeper = createClaimKeeper({
      queue,
      leaseMs: 60,
      now: Date.now,
      onLost: (chatId) => lost.push(chatId),
      onError: (chatId) => errors.push(chatId),
    })
    keeper.hold(claim('lost'))
    keeper.hold(claim('down'))
    await wait(250)
    keeper.release(claim('down'))
    expect(lost).toEqual(['lost'])
    expect(renewals.filter((entry) => entry.startsWith('lost'))).toHaveLength(1)
    expect(errors.length).toBeGreaterThanOrEqual(2)
  })

  it('does nothing for a store without renew', async () => {
    const keeper = createClaimKeeper({
      queue: {},
      leaseMs: 30,
      now: Date.now,
      onLost: () => {},
      onError: () => {},
    })
    keeper.hold(claim('1'))
    expect(keeper.size).toBe(0)
  })
})
