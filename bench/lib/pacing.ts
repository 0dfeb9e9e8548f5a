/**
 * Pacing arithmetic for the delivery bench: the least time Telegram's limits allow for a load, and what a
 * run's send times show (gaps per chat, the busiest sliding second).
 *
 * @module
 */

/** How many messages one chat receives, and whether it is a group (20 per minute) or a private chat. */
export interface ChatLoad {
  chatId: string
  messages: number
  group: boolean
}

/** Telegram's send limits as the product states them (and the fake Bot API enforces them). */
export interface SendLimits {
  /** Across all chats, per sliding second. */
  globalPerSecond: number
  /** Into one chat, sustained. */
  perChatPerSecond: number
  /** Into one group, per sliding minute. */
  groupPerMinute: number
}

/** Telegram's limits: about 30 messages/s overall, 1/s per chat, 20 per minute per group. */
export const telegramLimits: SendLimits = { globalPerSecond: 30, perChatPerSecond: 1, groupPerMinute: 20 }

/** One lower bound of {@link minimumSeconds}. */
export interface Bound {
  name: string
  seconds: number
}

/**
 * The earliest time, in seconds after the first send, at which the last of `count` messages can go when
 * consecutive messages are at least `minGapSeconds` apart and any `windowCount + 1` of them span more than
 * `windowSeconds` (a sliding-window cap). Bursts up to the window's count are allowed, as Telegram does.
 */
export function earliestLastSend(
  count: number,
  minGapSeconds: number,
  windowCount = Number.POSITIVE_INFINITY,
  windowSeconds = 0,
): number {
  const times: number[] = []
  for (let index = 0; index < count; index++) {
    const previous = times[index - 1]
    const windowStart = index >= windowCount ? times[index - windowCount] : undefined
    times.push(
      Math.max(
        previous === undefined ? 0 : previous + minGapSeconds,
        windowStart === undefined ? 0 : windowStart + windowSeconds,
      ),
    )
  }
  return times[count - 1] ?? 0
}

/**
 * The least wall time the limits allow for `load`: the largest of the independent lower bounds (the global
 * cap over all messages, the busiest private chat at 1/s, the busiest group under 1/s and 20 per minute).
 * Each is exact on its own; together they are a lower bound, which is what a ratio should be taken against.
 */
export function minimumSeconds(
  load: readonly ChatLoad[],
  limits: SendLimits = telegramLimits,
): { seconds: number; bounds: Bound[] } {
  const total = load.reduce((sum, chat) => sum + chat.messages, 0)
  const chatGap = 1 / limits.perChatPerSecond
  const busiest = (group: boolean) =>
    Math.max(0, ...load.filter((chat) => chat.group === group).map((chat) => chat.messages))
  const bounds: Bound[] = [
    {
      name: `global ${limits.globalPerSecond}/s`,
      seconds: earliestLastSend(total, 0, limits.globalPerSecond, 1),
    },
  ]
  // A kind of chat the load does not use bounds nothing; listing it would only confuse the printout.
  if (busiest(false) > 0) {
    const seconds = earliestLastSend(busiest(false), chatGap)
    bounds.push({ name: `private chat ${limits.perChatPerSecond}/s`, seconds })
  }
  if (busiest(true) > 0) {
    const seconds = earliestLastSend(busiest(true), chatGap, limits.groupPerMinute, 60)
    bounds.push({ name: `group ${limits.groupPerMinute}/min`, seconds })
  }
  return { seconds: Math.max(...bounds.map((bound) => bound.seconds)), bounds }
}

/** The most timestamps (ms) that fall in any half-open window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++
    most = Math.max(most, end - start + 1)
  }
  return most
}

/** Gaps between consecutive sends into one chat, pooled over chats, in ms. */
export interface GapStats {
  count: number
  mean: number
  min: number
  p50: number
  p95: number
  max: number
}

/** Pools the gaps between consecutive send times of each chat. `null` when no chat had two sends. */
export function chatGapStats(sendTimesByChat: ReadonlyMap<string, readonly number[]>): GapStats | null {
  const gaps: number[] = []
  for (const times of sendTimesByChat.values()) {
    const sorted = [...times].sort((a, b) => a - b)
    for (let index = 1; index < sorted.length; index++) gaps.push(sorted[index]! - sorted[index - 1]!)
  }
  if (gaps.length === 0) return null
  gaps.sort((a, b) => a - b)
  const at = (quantile: number) => gaps[Math.min(gaps.length - 1, Math.floor(quantile * gaps.length))]!
  return {
    count: gaps.length,
    mean: gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length,
    min: gaps[0]!,
    p50: at(0.5),
    p95: at(0.95),
    max: gaps[gaps.length - 1]!,
  }
}
