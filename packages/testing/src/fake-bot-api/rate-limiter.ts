/**
 * Telegram-like flood limits for sending: a per-chat token bucket (about 1 message/s with a short burst), a
 * sliding minute per group and a sliding second across all chats.
 *
 * @module
 */
import type { FakeBotApiLimits } from './types.ts'

/** Limits with every default filled in. */
export type ResolvedLimits = Required<FakeBotApiLimits>

/** Fill in Telegram's defaults. */
export function resolveLimits(limits: FakeBotApiLimits | undefined): ResolvedLimits {
  return {
    enabled: limits?.enabled ?? true,
    perChatPerSecond: limits?.perChatPerSecond ?? 1,
    perChatBurst: limits?.perChatBurst ?? 3,
    groupPerMinute: limits?.groupPerMinute ?? 20,
    globalPerSecond: limits?.globalPerSecond ?? 30,
  }
}

interface Bucket {
  tokens: number
  updatedAt: number
}

const MINUTE_MS = 60_000
const SECOND_MS = 1000

/** Decides whether one more message may go out now, and how long to wait when not. */
export class SendRateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly groupWindows = new Map<string, number[]>()
  private globalWindow: number[] = []

  constructor(
    private readonly limits: ResolvedLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whole seconds until a message to this chat is allowed (0 when allowed now), rounded up like Telegram. */
  retryAfter(chatKey: string, isGroup: boolean): number {
    if (!this.limits.enabled) return 0
    const now = this.now()
    const bucket = this.refill(chatKey, now)
    let waitMs = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) / this.limits.perChatPerSecond) * SECOND_MS
    if (isGroup) {
      const window = this.slide(this.groupWindows.get(chatKey) ?? [], now - MINUTE_MS)
      this.groupWindows.set(chatKey, window)
      const oldest = window[window.length - this.limits.groupPerMinute]
      if (oldest !== undefined) waitMs = Math.max(waitMs, oldest + MINUTE_MS - now)
    }
    this.globalWindow = this.slide(this.globalWindow, now - SECOND_MS)
    const oldestGlobal = this.globalWindow[this.globalWindow.length - this.limits.globalPerSecond]
    if (oldestGlobal !== undefined) waitMs = Math.max(waitMs, oldestGlobal + SECOND_MS - now)
    return waitMs <= 0 ? 0 : Math.max(1, Math.ceil(waitMs / SECOND_MS))
  }

  /** Count one message that went out to this chat. */
  record(chatKey: string, isGroup: boolean): void {
    if (!this.limits.enabled) return
    const now = this.now()
    const bucket = this.refill(chatKey, now)
    bucket.tokens -= 1
    if (isGroup) this.groupWindows.set(chatKey, [...(this.groupWindows.get(chatKey) ?? []), now])
    this.globalWindow.push(now)
  }

  /** Forget all history. */
  reset(): void {
    this.buckets.clear()
    this.groupWindows.clear()
    this.globalWindow = []
  }

  private refill(chatKey: string, now: number): Bucket {
    const bucket = this.buckets.get(chatKey) ?? { tokens: this.limits.perChatBurst, updatedAt: now }
    const earned = ((now - bucket.updatedAt) / SECOND_MS) * this.limits.perChatPerSecond
    bucket.tokens = Math.min(this.limits.perChatBurst, bucket.tokens + earned)
    bucket.updatedAt = now
    this.buckets.set(chatKey, bucket)
    return bucket
  }

  private slide(window: number[], after: number): number[] {
    const firstInside = window.findIndex((at) => at > after)
    return firstInside === -1 ? [] : firstInside === 0 ? window : window.slice(firstInside)
  }
}
