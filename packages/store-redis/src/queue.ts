/**
 * The durable, chat-centric delivery queue on Redis. Each operation is one Lua script (see
 * `scripts.ts`), so it is atomic among all replicas sharing the prefix. Queue times come from the
 * `now` the caller passes, never from the Redis clock.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  type ChatId,
  type ClaimedChat,
  type ClaimInput,
  type DeadJob,
  type EnqueueInput,
  encodeJobPayload,
  type QueueStats,
  type QueueStore,
  type RenewInput,
  type SettleInput,
} from '@keygram/core'
import { decodeDeadJob, decodeJob } from './codec.ts'
import { toPx } from './px.ts'
import type { KeygramRedis } from './scripts.ts'

/** A {@link QueueStore} on Redis: jobs, chat lines, claims and dead letters under one key prefix. */
export class RedisQueueStore implements QueueStore {
  readonly #redis: KeygramRedis
  readonly #prefix: string

  /** @param redis a client with the Keygram commands defined; @param prefix the key prefix. */
  constructor(redis: KeygramRedis, prefix: string) {
    this.#redis = redis
    this.#prefix = prefix
  }

  /** {@inheritDoc QueueStore.enqueue} */
  async enqueue(input: EnqueueInput): Promise<{ accepted: boolean; jobIds: string[] }> {
    const args: (string | number)[] = [input.deliveryKey, toPx(input.dedupeTtlMs), input.now]
    for (const job of input.jobs) {
      args.push(
        job.chatId,
        job.threadId ?? '',
        job.summaryLine,
        encodeJobPayload(job),
        job.priority === 'low' ? '1' : '0',
      )
    }
    const [accepted, ...jobIds] = await this.#redis.keygramEnqueue(this.#prefix, ...args)
    return Number(accepted) === 1
      ? { accepted: true, jobIds: jobIds.map(String) }
      : { accepted: false, jobIds: [] }
  }

  /** {@inheritDoc QueueStore.claim} */
  async claim(input: ClaimInput): Promise<ClaimedChat[]> {
    // The same refusal as the other stores: a zero or NaN limit is a caller bug, not an empty queue.
    if (!(input.maxChats >= 1) || !(input.maxJobsPerChat >= 1)) {
      throw new RangeError(
        `claim: maxChats and maxJobsPerChat must be >= 1, got ${input.maxChats}, ${input.maxJobsPerChat}`,
      )
    }
    const claimed = await this.#redis.keygramClaim(
      this.#prefix,
      input.now,
      Math.max(1, input.leaseMs),
      Math.floor(input.maxChats),
      Math.floor(input.maxJobsPerChat),
      input.workerId,
      randomUUID(),
    )
    return claimed.map(([chatId, claimToken, jobs]) => ({ chatId, claimToken, jobs: jobs.map(decodeJob) }))
  }

  /** {@inheritDoc QueueStore.settle} */
  async settle(chatId: ChatId, claimToken: string, outcome: SettleInput): Promise<{ ok: boolean }> {
    const done = outcome.done ?? []
    const retry = outcome.retry ?? []
    const dead = outcome.dead ?? []
    const args: (string | number)[] = [
      chatId,
      claimToken,
      outcome.now,
      outcome.chatNotBefore ?? '',
      outcome.movedTo ?? '',
      done.length,
      retry.length,
      dead.length,
      ...done,
    ]
    for (const job of retry) args.push(job.id, job.notBefore, job.error)
    for (const job of dead) args.push(job.id, job.reason, job.error)
    const ok = await this.#redis.keygramSettle(this.#prefix, ...args)
    return { ok: Number(ok) === 1 }
  }

  /** {@inheritDoc QueueStore.renew} */
  async renew(chatId: ChatId, claimToken: string, { now, leaseMs }: RenewInput): Promise<{ ok: boolean }> {
    const ok = await this.#redis.keygramRenewClaim(
      this.#prefix,
      chatId,
      claimToken,
      now,
      Math.max(1, leaseMs),
    )
    return { ok: Number(ok) === 1 }
  }

  /** {@inheritDoc QueueStore.listDead} */
  async listDead(options?: { limit?: number }): Promise<DeadJob[]> {
    const limit = options?.limit
    if (limit !== undefined && limit < 1) return []
    const rows = await this.#redis.keygramListDead(
      this.#prefix,
      limit === undefined ? -1 : Math.floor(limit) - 1,
    )
    return rows.map(decodeDeadJob)
  }

  /** {@inheritDoc QueueStore.replayDead} */
  async replayDead(options: { ids?: string[]; now: number }): Promise<number> {
    if (options.ids?.length === 0) return 0
    return Number(await this.#redis.keygramReplayDead(this.#prefix, options.now, ...(options.ids ?? [])))
  }

  /** {@inheritDoc QueueStore.stats} */
  async stats(now: number): Promise<QueueStats> {
    const [pending, claimed, dead, waitingSince] = await this.#redis.keygramStats(this.#prefix, now)
    return {
      pending: Number(pending),
      claimed: Number(claimed),
      dead: Number(dead),
      oldestPendingAgeMs: waitingSince === '' ? null : Math.max(0, now - Number(waitingSince)),
    }
  }
}
