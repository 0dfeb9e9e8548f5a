/**
 * Guarded long polling for a grammY bot: the core's poller driving `bot.api` and `bot.handleUpdate`, instead
 * of `bot.start()` (which stops for good on a 409 and knows nothing of other processes).
 *
 * @module
 */
import {
  type AdapterPollingOptions,
  createGuardedPoller,
  type GuardedPoller,
  type PollingDriver,
  pollingLeaseName,
  redactSecret,
} from '@keygram/core'
import type { Bot, Context } from 'grammy'
import type { Update } from 'grammy/types'
import { classifyGrammyError } from './transport.ts'

type AllowedUpdates = NonNullable<Parameters<Bot['api']['getUpdates']>[0]>['allowed_updates']
// grammY types its signal parameter with the abort-controller polyfill; a web AbortSignal works the same.
type GrammySignal = Parameters<Bot['api']['getUpdates']>[1]

/**
 * The {@link PollingDriver} of a grammY bot: `getUpdates`/`deleteWebhook` through `bot.api` (so API
 * transformers apply), updates through `bot.handleUpdate`, the bot info fetched with one `getMe` per set-up
 * attempt before the first update (unless given to the constructor).
 */
export function createGrammyPollingDriver<C extends Context>(bot: Bot<C>): PollingDriver {
  const token = bot.token
  return {
    getUpdates(params, signal) {
      return bot.api.getUpdates(
        {
          ...(params.offset === undefined ? {} : { offset: params.offset }),
          timeout: params.timeout,
          ...(params.limit === undefined ? {} : { limit: params.limit }),
          ...(params.allowed_updates === undefined
            ? {}
            : { allowed_updates: params.allowed_updates as AllowedUpdates }),
        },
        signal as GrammySignal,
      )
    },
    async deleteWebhook(dropPendingUpdates, signal) {
      await bot.api.deleteWebhook({ drop_pending_updates: dropPendingUpdates }, signal as GrammySignal)
    },
    handleUpdate(update) {
      return bot.handleUpdate(update as Update)
    },
    async prepare(signal) {
      // Not `bot.init()`: it retries `getMe` by itself, silently, with delays growing to 20 minutes, so an
      // unreachable API or a refused token would leave the poller `starting` with nothing to report. One
      // attempt here lets the poller report the failure, back off, and stop for good on a 401.
      if (!bot.isInited()) bot.botInfo = await bot.api.getMe(signal as GrammySignal)
    },
    classify: (error) => classifyGrammyError(error, token),
    redact: (text) => redactSecret(text, token),
  }
}

/**
 * Starts guarded polling of a grammY bot and returns the running poller: it polls only while it holds the
 * lease `polling:<bot id>` of `options.guard`, stands by otherwise, survives 409s with back-off and hands
 * over cleanly on `stop()`. Use it instead of `bot.start()`; keep handling errors with `bot.catch`.
 *
 * @example
 * ```ts
 * const poller = startPolling(bot, { guard: store.guard })
 * process.once('SIGTERM', () => void poller.stop())
 * ```
 */
export function startPolling<C extends Context>(bot: Bot<C>, options: AdapterPollingOptions): GuardedPoller {
  const { signal, name, ...rest } = options
  const poller = createGuardedPoller({
    ...rest,
    name: name ?? pollingLeaseName(bot.token),
    driver: createGrammyPollingDriver(bot),
  })
  void poller.start(signal)
  return poller
}
