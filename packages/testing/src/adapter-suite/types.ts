/**
 * What an adapter hands the polling suite: how to build its bot, start guarded polling and send.
 *
 * @module
 */
import type { AdapterPollingOptions, GuardedPoller, KeygramStore, TelegramTransport } from '@keygram/core'

/** Called by the bot's middleware for every update it handles. */
export type UpdateListener = (update: { update_id: number }) => void | Promise<void>

/** The adapter under test, bound to its framework. `B` is the framework's bot type. */
export interface PollingAdapterHarness<B> {
  /** A bot talking to the Bot API at `apiRoot` whose only middleware calls `onUpdate`. */
  createBot(apiRoot: string, token: string, onUpdate: UpdateListener): B
  /** The adapter's `startPolling`. */
  startPolling(bot: B, options: AdapterPollingOptions): GuardedPoller
  /** The adapter's transport over this bot's API client. */
  createTransport(bot: B): TelegramTransport
}

/** What the module loaded by child processes exports: the harness plus the stores the processes share. */
export interface ProcessHarness<B> extends PollingAdapterHarness<B> {
  /** `@keygram/store-sqlite`'s `sqliteStore`. */
  sqliteStore(options: { path: string }): KeygramStore
  /** `@keygram/store-redis`'s `redisStore`. */
  redisStore(options: { url: string; prefix: string }): KeygramStore
}

/** Options of `testPollingAdapter`. */
export interface PollingAdapterSuiteOptions<B> extends ProcessHarness<B> {
  /**
   * Absolute path of a module exporting the same functions as this object ({@link ProcessHarness}), with
   * imports by relative path (vitest aliases do not apply in child processes). Child processes load it.
   */
  processModule: string
  /** Redis for the multi-process tests. Default `redis://127.0.0.1:6379`; tests fail when it is down. */
  redisUrl?: string
}
