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
   * The module child processes load to get the same functions as this object ({@link ProcessHarness}): an
   * absolute path or a `file:` URL (`new URL('./harness.mjs', import.meta.url)`). The children run in plain
   * Node, without vitest's transforms and aliases: the module and its imports must load there (JavaScript,
   * or TypeScript on a Node that strips types or with a loader in {@link processExecArgv}).
   */
  processModule: string | URL
  /** The export of {@link processModule} holding the harness. Default: the module's own named exports. */
  processExport?: string
  /** Extra Node flags for the child processes, e.g. `['--import', 'tsx']` for a TypeScript harness on Node 20. */
  processExecArgv?: readonly string[]
  /** Redis for the multi-process tests. Default `redis://127.0.0.1:6379`; tests fail when it is down. */
  redisUrl?: string
}
