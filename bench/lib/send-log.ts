/**
 * Reading the fake Bot API's call log: when each message arrived, and which limit each 429 answered.
 *
 * @module
 */
import type { CallRecord } from '../../packages/testing/src/index.ts'

const GLOBAL_WINDOW_MS = 1000
const GROUP_WINDOW_MS = 60_000
// The log stamps a call when its request arrives, the fake decides after reading the body: a message
// accepted within this much before the window's edge still counted when the 429 was decided.
const EDGE_SLACK_MS = 10

function isSend(call: CallRecord): boolean {
  return call.method.toLowerCase() === 'sendmessage'
}

/** Arrival times (ms after `startedAt`) of the messages the fake accepted, by chat id. */
export function sendTimesByChat(calls: readonly CallRecord[], startedAt: number): Map<string, number[]> {
  const times = new Map<string, number[]>()
  for (const call of calls) {
    if (!isSend(call) || call.status !== 200) continue
    const chatId = String(call.params.chat_id)
    const list = times.get(chatId) ?? []
    list.push(call.at - startedAt)
    times.set(chatId, list)
  }
  return times
}

/** 429s by the limit that explains them, with the arrival times (ms after the start) of the global ones. */
export interface RateLimitCauses {
  /** The sliding second already held `globalPerSecond` accepted messages. */
  global: number[]
  /** The group's sliding minute already held `groupPerMinute` messages. */
  group: number
  /** Neither: the chat's own 1/s bucket (after its burst of 3) refused. */
  chat: number
}

/**
 * Explains each 429 of the log from the messages accepted before it, with the fake's rules: `global` when
 * the preceding second already holds `globalPerSecond` messages, else `group` when the group's preceding
 * minute holds `groupPerMinute`, else `chat`.
 */
export function rateLimitCauses(
  calls: readonly CallRecord[],
  startedAt: number,
  limits: { globalPerSecond: number; groupPerMinute: number },
): RateLimitCauses {
  const accepted = calls.filter((call) => isSend(call) && call.status === 200)
  const causes: RateLimitCauses = { global: [], group: 0, chat: 0 }
  for (const call of calls) {
    if (!isSend(call) || call.status !== 429) continue
    const before = (windowMs: number, chatId?: string) =>
      accepted.filter(
        (sent) =>
          sent.at <= call.at &&
          sent.at > call.at - windowMs &&
          (chatId === undefined || String(sent.params.chat_id) === chatId),
      ).length
    const chatId = String(call.params.chat_id)
    if (before(GLOBAL_WINDOW_MS + EDGE_SLACK_MS) >= limits.globalPerSecond)
      causes.global.push(call.at - startedAt)
    else if (chatId.startsWith('-') && before(GROUP_WINDOW_MS, chatId) >= limits.groupPerMinute)
      causes.group++
    else causes.chat++
  }
  return causes
}
