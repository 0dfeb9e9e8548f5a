import { describe, expect, it } from 'vitest'
import {
  GROUP_WINDOW_MS,
  needsSendHistory,
  nextChatSendTime,
  recentSendTimes,
} from '../../src/delivery/pacing.ts'

/** Sends `count` messages to `chatId` as early as pacing allows; returns their times. */
function schedule(chatId: string, count: number): number[] {
  const times: number[] = []
  let recent: number[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    at = Math.max(at, nextChatSendTime(chatId, recent))
    times.push(at)
    recent = recentSendTimes(recent, [at])
  }
  return times
}

describe('chat pacing', () => {
  it('spaces private chats one interval apart', () => {
    expect(schedule('42', 4)).toEqual([0, 1000, 2000, 3000])
    expect(needsSendHistory('42')).toBe(false)
  })

  it('sends a group burst at 1/s until 20 fall in a minute, then waits for the window (40 in 79 s)', () => {
    const times = schedule('-100123', 40)
    expect(times.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i * 1000))
    expect(times[20]).toBe(GROUP_WINDOW_MS)
    expect(times[39]).toBe(79_000)
  })

  it('never puts more than 20 group messages in any minute nor two within a second', () => {
    const times = schedule('@channel', 100)
    for (const [i, at] of times.entries()) {
      const inWindow = times.filter((t) => t > at - GROUP_WINDOW_MS && t <= at).length
      expect(inWindow).toBeLessThanOrEqual(20)
      if (i > 0) expect(at - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000)
    }
  })

  it('keeps only the newest 20 sends within the window', () => {
    const old = [1_000, 2_000] // more than a minute before the new send
    const recent = [...old, ...Array.from({ length: 25 }, (_, i) => 60_000 + i * 100)]
    const kept = recentSendTimes(recent, [70_000])
    expect(kept).toHaveLength(20)
    expect(kept[kept.length - 1]).toBe(70_000)
    expect(kept[0]).toBe(60_000 + 6 * 100) // the 19 newest of the 25, then the new one
    expect(recentSendTimes(old, [70_000, 70_500])).toEqual([70_000, 70_500])
    expect(nextChatSendTime('-1', [])).toBe(0)
  })

  it('skips the history when the per-minute budget cannot bind at the interval', () => {
    const fast = { groupChatIntervalMs: 20, groupMessagesPerMinute: 3000 }
    expect(needsSendHistory('-5', fast)).toBe(false)
    expect(nextChatSendTime('-5', [100], fast)).toBe(120)
    expect(needsSendHistory('-5', { groupChatIntervalMs: 3000 })).toBe(false) // 20 x 3 s = a minute
    expect(needsSendHistory('-5')).toBe(true)
  })
})
