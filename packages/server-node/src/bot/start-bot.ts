/**
 * The bot role: a grammY (default) or Telegraf bot with Keygram's commands, long-polling under the store's
 * single-instance guard through the framework adapter.
 *
 * The framework and its adapter are imported lazily, so the webhook role never loads a Telegram framework,
 * and a user installs only the framework the bot runs (both are optional peer dependencies); a missing one
 * is a clear error naming the package to install.
 *
 * @module
 */
import type {
  ActionHandler,
  FormatOptions,
  KeycrmClient,
  KeygramStore,
  Notifier,
  PollingLogger,
  PollingStatus,
} from '@keygram/core'
import type { BotFramework } from '../config/index.ts'
import { errorText } from '../error-text.ts'
import { markHandover, wasHandedOver } from './handover.ts'

/** The running poller, as the bot role sees it. */
export interface BotPoller {
  status(): PollingStatus
  /** Aborts the long poll, confirms handled updates, releases the lease. */
  stop(): Promise<void>
}

/** Options of {@link startBot}. */
export interface StartBotOptions {
  framework: BotFramework
  token: string
  apiRoot: string
  store: KeygramStore
  /** `/test` goes through it, so it exercises the real path. */
  notifier?: Notifier
  admins: readonly string[]
  format: FormatOptions
  /** Shown as the lease holder, e.g. `host:pid`. */
  holder: string
  logger: PollingLogger
  /** Report of a command or registration failure. */
  onError: (message: string, error: unknown) => void
  /** When a message was last delivered by this process, for `/status`. */
  lastDeliveryAt?: () => number | null
  /** KeyCRM's API, for `/order <id>`. */
  keycrm?: Pick<KeycrmClient, 'order'>
  /** Answers presses of action buttons (two-way actions), when configured. */
  actions?: ActionHandler
}

interface AdapterPollingOptions {
  guard: KeygramStore['guard']
  holder?: string
  logger?: PollingLogger
  dropPendingUpdates?: boolean
}

/** The parts of `@keygram/adapter-grammy` / `@keygram/adapter-telegraf` the bot role uses. */
interface FrameworkAdapter {
  startPolling(bot: never, options: AdapterPollingOptions): BotPoller
  keygramCommands?(options: Record<string, unknown>): unknown
  keygramActions?(handler: ActionHandler): unknown
  registerKeygramCommands?(api: never, locale?: string): Promise<unknown>
}

/** A bot whose commands are answered and whose updates are polled under the guard. */
export interface RunningBot {
  poller: BotPoller
}

/**
 * Builds the bot, mounts the commands and starts guarded polling. Resolves once polling started (it may
 * stand by behind another instance); rejects when the adapter cannot be loaded.
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  // The framework first: without it the adapter's import fails too, and would name the adapter instead.
  const framework =
    options.framework === 'telegraf'
      ? { telegraf: await importFramework('telegraf', () => import('telegraf')) }
      : { grammy: await importFramework('grammy', () => import('grammy')) }
  const adapter = await loadAdapter(options.framework)
  const handedOver = await wasHandedOver(options.store.kv, options.token)
  let poller: BotPoller | null = null
  const commandOptions = {
    store: options.store,
    admins: [...options.admins],
    locale: options.format.locale,
    format: options.format,
    notifier: options.notifier,
    ...(options.keycrm === undefined ? {} : { keycrm: options.keycrm }),
    status: () => ({
      ...(poller === null
        ? {}
        : { polling: { state: poller.status().state, detail: poller.status().lastError } }),
      lastDeliveryAt: options.lastDeliveryAt?.() ?? null,
    }),
    onError: (error: unknown, command: string) => options.onError(`command /${command} failed`, error),
  }

  if (framework.telegraf !== undefined) {
    const { Telegraf } = framework.telegraf
    const bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot } })
    bot.catch((error) => options.onError('a Telegraf handler failed', error))
    if (options.actions !== undefined && adapter.keygramActions)
      bot.use(adapter.keygramActions(options.actions) as never)
    if (adapter.keygramCommands) bot.use(adapter.keygramCommands(commandOptions) as never)
    poller = adapter.startPolling(bot as never, pollingOptions(options, handedOver))
    registerCommands(adapter, bot.telegram, options)
  } else {
    const { Bot } = framework.grammy
    const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot } })
    bot.catch((error) => options.onError('a grammY handler failed', error.error))
    if (options.actions !== undefined && adapter.keygramActions)
      bot.use(adapter.keygramActions(options.actions) as never)
    if (adapter.keygramCommands) bot.use(adapter.keygramCommands(commandOptions) as never)
    poller = adapter.startPolling(bot as never, pollingOptions(options, handedOver))
    registerCommands(adapter, bot.api, options)
  }
  const started = poller
  return {
    poller: {
      status: () => started.status(),
      async stop() {
        await started.stop()
        await markHandover(options.store.kv, options.token, options.holder)
      },
    },
  }
}

function pollingOptions(options: StartBotOptions, handedOver: boolean): AdapterPollingOptions {
  return {
    guard: options.store.guard,
    holder: options.holder,
    logger: options.logger,
    // The standalone server keeps the seed bot's cold start (its deploy notes: drop_pending_updates=True): a
    // bot that only notifies has nothing to answer from while it was down. Embedded in a customer-facing
    // bot, the adapters keep those updates by default. A redeploy is no cold start: what was sent while the
    // old bot handed over is answered (see ./handover.ts).
    dropPendingUpdates: !handedOver,
  }
}

// The command menu is a convenience: a failure is reported, never fatal.
function registerCommands(adapter: FrameworkAdapter, api: unknown, options: StartBotOptions): void {
  adapter
    .registerKeygramCommands?.(api as never, options.format.locale)
    ?.catch((error) => options.onError('setMyCommands failed', error))
}

/** Imports the framework's package (a literal import each, so the bundle inlines both). */
async function importFramework<T>(framework: BotFramework, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    throw frameworkLoadError(framework, error)
  }
}

const FRAMEWORK_NAMES: Record<BotFramework, string> = { grammy: 'grammY', telegraf: 'Telegraf' }

/**
 * The error of a framework that cannot be imported: when its package is not installed, one that names the
 * package to install (and the setting that picks the other framework).
 */
export function frameworkLoadError(framework: BotFramework, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code
  const missing =
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    errorText(error).includes(`'${framework}'`)
  if (!missing) {
    return new Error(`${framework} could not be loaded: ${errorText(error)}`, { cause: error })
  }
  const other: BotFramework = framework === 'grammy' ? 'telegraf' : 'grammy'
  return new Error(
    `the bot polls with ${FRAMEWORK_NAMES[framework]}, but the "${framework}" package is not installed: install it next to @keygram/server-node (npm install ${framework}), or set KEYGRAM_BOT_FRAMEWORK=${other} to poll with ${FRAMEWORK_NAMES[other]} instead`,
    { cause: error },
  )
}

async function loadAdapter(framework: BotFramework): Promise<FrameworkAdapter> {
  const name = `@keygram/adapter-${framework}`
  let module: Partial<FrameworkAdapter>
  try {
    module =
      framework === 'telegraf'
        ? ((await import('@keygram/adapter-telegraf')) as unknown as Partial<FrameworkAdapter>)
        : ((await import('@keygram/adapter-grammy')) as unknown as Partial<FrameworkAdapter>)
  } catch (error) {
    throw new Error(
      `${name} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    )
  }
  if (typeof module.startPolling !== 'function') throw new Error(`${name} does not provide startPolling()`)
  return module as FrameworkAdapter
}
