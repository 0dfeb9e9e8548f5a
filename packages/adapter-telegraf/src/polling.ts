/**
 * Guarded long polling for a Telegraf bot: the core's poller driving `bot.telegram` and `bot.handleUpdate`,
 * instead of `bot.launch()` (which stops for good on a 409, always asks for a 50 s poll and knows nothing
 * of other processes).
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
import type { Context, Telegraf } from 'telegraf'
import type { Convenience, Update } from 'telegraf/types'
import { classifyTelegrafError } from './transport.ts'

type TelegrafSignal = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>['signal']

/**
 * The {@link PollingDriver} of a Telegraf bot: `getUpdates`, `deleteWebhook` and `getMe` through
 * `telegram.callApi` with an abort signal (Telegraf's own methods take none, and its requests wait up to
 * 500 s), updates through `bot.handleUpdate`, `bot.botInfo` fetched before the first update when missing.
 */
export function createTelegrafPollingDriver<C extends Context>(bot: Telegraf<C>): PollingDriver {
  const token = bot.telegram.token
  return {
    getUpdates(params, signal) {
      const payload = {
        ...(params.offset === undefined ? {} : { offset: params.offset }),
        timeout: params.timeout,
        ...(params.limit === undefined ? {} : { limit: params.limit }),
        ...(params.allowed_updates === undefined
          ? {}
          : { allowed_updates: params.allowed_updates as readonly Convenience.UpdateType[] }),
      }
      // Telegraf types the signal with the abort-controller polyfill; node-fetch takes a web AbortSignal.
      return bot.telegram.callApi('getUpdates', payload, { signal: signal as TelegrafSignal })
    },
    async deleteWebhook(dropPendingUpdates, signal) {
      await bot.telegram.callApi(
        'deleteWebhook',
        { drop_pending_updates: dropPendingUpdates },
        { signal: signal as TelegrafSignal },
      )
    },
    handleUpdate(update) {
      return bot.handleUpdate(update as Update)
    },
    async prepare(signal) {
      bot.botInfo ??= await bot.telegram.callApi('getMe', {}, { signal: signal as TelegrafSignal })
    },
    classify: (error) => classifyTelegrafError(error, token),
    redact: (text) => redactSecret(text, token),
  }
}

/**
 * Starts guarded polling of a Telegraf bot and returns the running poller: it polls only while it holds the
 * lease `polling:<bot id>` of `options.guard`, stands by otherwise, survives 409s with back-off and hands
 * over cleanly on `stop()`. Use it instead of `bot.launch()`; handle errors with `bot.catch` (Telegraf's
 * default handler sets `process.exitCode = 1` and rethrows, which the poller logs).
 *
 * @example
 * ```ts
 * const poller = startPolling(bot, { guard: store.guard })
 * process.once('SIGTERM', () => void poller.stop())
 * ```
 */
export function startPolling<C extends Context>(
  bot: Telegraf<C>,
  options: AdapterPollingOptions,
): GuardedPoller {
  const { signal, name, ...rest } = options
  const poller = createGuardedPoller({
    ...rest,
    name: name ?? pollingLeaseName(bot.telegram.token),
    driver: createTelegrafPollingDriver(bot),
  })
  void poller.start(signal)
  return poller
}
