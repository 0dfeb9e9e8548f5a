/**
 * The listeners a store instance keeps for {@link QueueStore.onEnqueued}, and the channel (Redis pub/sub,
 * PostgreSQL LISTEN, a file poll...) that brings other processes' enqueues to them. Stores build their
 * `onEnqueued` on it so that every store behaves alike: the channel opens with the first listener and
 * closes with the last one or with the store, and a listener that throws never reaches the enqueue.
 *
 * @module
 */
import type { QueueStore } from './types.ts'

/** A store's cross-process channel, as {@link createEnqueueSignal} opens it. */
export interface EnqueueChannel {
  /** Stops listening and frees the connection or timer (a closed channel must not keep the process alive). */
  close(): void | Promise<void>
}

/** Opens a store's channel; it calls `hear` whenever another instance enqueued. */
export type OpenEnqueueChannel = (hear: () => void) => EnqueueChannel

/** The wake-up side of a store instance. */
export interface EnqueueSignal {
  /** What the store exposes as {@link QueueStore.onEnqueued}. */
  listen(listener: () => void): () => void
  /** Tells this instance's listeners at once; call it after an enqueue that added jobs committed. */
  notify(): void
  /** Drops every listener and closes the channel; later `listen` calls get a no-op. Idempotent. */
  close(): Promise<void>
}

/**
 * Creates the {@link EnqueueSignal} of one store instance. Without `open`, only this instance's own
 * enqueues are heard (an in-process store).
 */
export function createEnqueueSignal(open?: OpenEnqueueChannel): EnqueueSignal {
  const listeners = new Set<() => void>()
  let channel: EnqueueChannel | null = null
  let closed = false

  function notify(): void {
    for (const listener of [...listeners]) {
      try {
        listener()
      } catch {
        // A listener's bug must not fail the enqueue that woke it: the job is already durable.
      }
    }
  }

  async function closeChannel(): Promise<void> {
    const current = channel
    channel = null
    await current?.close()
  }

  return {
    listen(listener) {
      if (closed) return () => {}
      // A fresh wrapper per call, so the same function listening twice needs two unsubscribes.
      const entry = () => listener()
      listeners.add(entry)
      if (channel === null && open !== undefined) channel = open(notify)
      return () => {
        if (!listeners.delete(entry) || listeners.size > 0) return
        void closeChannel().catch(() => {})
      }
    },
    notify,
    async close() {
      closed = true
      listeners.clear()
      await closeChannel()
    },
  }
}

/**
 * Wraps `queue` so that its enqueues and replays that added jobs call `signal.notify()` once committed,
 * and it offers `onEnqueued`. Every other member passes through to `queue` unchanged.
 */
export function notifyingQueue<T extends QueueStore>(queue: T, signal: EnqueueSignal): T {
  const overrides: Partial<QueueStore> = {
    async enqueue(input) {
      const result = await queue.enqueue(input)
      if (result.accepted && result.jobIds.length > 0) signal.notify()
      return result
    },
    async replayDead(options) {
      const replayed = await queue.replayDead(options)
      if (replayed > 0) signal.notify()
      return replayed
    },
    onEnqueued: (listener) => signal.listen(listener),
  }
  const own = overrides as Record<PropertyKey, unknown>
  // A proxy rather than a copy: members other changes add to the queue keep working, class-private
  // fields included (methods run on the queue itself). It also lists the overrides as own properties, so
  // a wrapper that spreads it (`{ ...store.queue, enqueue }`) keeps `onEnqueued` and the notifying calls.
  const proxy: T = new Proxy(queue, {
    get(target, property) {
      if (own[property] !== undefined) return own[property]
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
    // Assigning an overridden member on the queue itself (a test or wrapper replacing `enqueue` with one
    // that calls the old one) replaces the override; written through to the queue, the override would call
    // the replacement, which calls the override again, without end. An assignment on an object that
    // inherits from the queue (`Object.create(queue)`) lands on that object, as it would without a proxy.
    set(target, property, value, receiver) {
      if (receiver !== proxy || !(property in own)) return Reflect.set(target, property, value, receiver)
      own[property] = value
      return true
    },
    has: (target, property) => property in own || Reflect.has(target, property),
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), ...Object.keys(own)])],
    getOwnPropertyDescriptor(target, property) {
      if (own[property] === undefined) return Reflect.getOwnPropertyDescriptor(target, property)
      return { value: own[property], writable: true, enumerable: true, configurable: true }
    },
  })
  return proxy
}
