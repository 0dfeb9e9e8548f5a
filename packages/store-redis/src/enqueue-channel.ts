/**
 * Enqueue notices between processes over Redis pub/sub: an enqueue that added jobs publishes the
 * instance's id on `<prefix>enqueued`; every instance with a listener subscribes on a connection of its
 * own (a subscribed connection can run nothing else), which ioredis reconnects and resubscribes after a
 * Redis restart. A notice is a hint: the worker still polls, so one lost in a reconnect costs a poll.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createEnqueueSignal, type EnqueueSignal } from '@keygram/core'
import type { Redis } from 'ioredis'

/**
 * The {@link EnqueueSignal} of one Redis store instance: `notify()` tells this instance's listeners at once
 * and publishes for the others (not awaited: the enqueue is already durable).
 */
export function createRedisEnqueueSignal(client: Redis, prefix: string): EnqueueSignal {
  const channel = `${prefix}enqueued`
  // Our own publications come back on our subscription; the id lets us skip them (we already knew).
  const instanceId = randomUUID()
  const signal = createEnqueueSignal((hear) => {
    const subscriber = client.duplicate()
    let readyBefore = false
    // ioredis logs errors of a connection nobody listens to; a lost subscriber costs only the wake.
    subscriber.on('error', () => {})
    subscriber.on('ready', () => {
      // Subscribed on every connect, not once: with the store's fail-fast options a SUBSCRIBE sent while
      // Redis was down is dropped, and ioredis only resubscribes what once succeeded.
      subscriber.subscribe(channel).catch(() => {})
      // Notices published while we were away are gone: hear one, so a waiting worker looks now.
      if (readyBefore) hear()
      readyBefore = true
    })
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel && message !== instanceId) hear()
    })
    return { close: () => subscriber.disconnect() }
  })
  return {
    ...signal,
    notify() {
      signal.notify()
      client.publish(channel, instanceId).catch(() => {})
    },
  }
}
