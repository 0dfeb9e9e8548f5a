/**
 * The bot role (port 9001): guarded long polling with Keygram's commands, and the health check that tells
 * the poller's state.
 *
 * @module
 */
import { hostname } from 'node:os'
import type { PollingLogger } from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import { type BotPoller, startBot } from '../bot/start-bot.ts'
import { createBotApp } from '../bot-app.ts'
import { errorText } from '../error-text.ts'
import type { RoleContext } from './context.ts'
import { describeListening } from './http-host.ts'

/** The bot role's started parts. */
export interface BotRole {
  url: string
  /** `null` when there is no bot token (demo mode): nothing polls. */
  poller: BotPoller | null
}

/** Starts guarded polling (when there is a token) and the bot's health server; registers both to stop. */
export async function startBotRole(context: RoleContext): Promise<BotRole> {
  const { config, logger, metrics } = context
  const poller = await startPoller(context)
  metrics.watchPolling(() => poller?.status() ?? null)
  const app = createBotApp({
    polling: poller,
    metrics,
    conflictGraceMs: config.conflictGraceMs,
    startGraceMs: config.botStartGraceMs,
    redact: (text) => context.redact(text),
  })
  const listening = await context.listen(app, 'bot')
  logger.info(
    `bot server listening on ${describeListening(listening)}; ${config.botToken === null ? 'polling off' : `${config.framework}, guarded polling`}`,
  )
  return { url: listening.url, poller }
}

async function startPoller(context: RoleContext): Promise<BotPoller | null> {
  const { config, logger } = context
  if (config.botToken === null) {
    logger.warn('bot role: no TELEGRAM_BOT_TOKEN, so there is nothing to poll (demo mode)')
    return null
  }
  const { poller } = await startBot({
    framework: config.framework,
    token: config.botToken,
    apiRoot: config.telegramApiRoot,
    store: context.store,
    notifier: context.notifier,
    admins: config.admins,
    format: config.format,
    holder: `${hostname()}:${process.pid}`,
    logger: pollingLogger(logger),
    onError: (message, error) => logger.warn(`${message}: ${context.redact(errorText(error))}`),
    lastDeliveryAt: () => context.lastDeliveryAt(),
    ...(context.keycrm === null ? {} : { keycrm: context.keycrm.client }),
    ...(context.actions === null ? {} : { actions: context.actions.handler }),
  })
  context.onStop(() => poller.stop())
  return poller
}

const DEBUG = 4

/**
 * The poller's log lines, through consola, fields as `key=value`, each led by `polling: `. Core's poller
 * already leads its messages with it; only the others get it, so no line reads `polling: polling: `.
 */
function pollingLogger(logger: ConsolaInstance): PollingLogger {
  const prefix = 'polling: '
  const line = (message: string, fields?: Record<string, unknown>) => {
    const text = message.startsWith(prefix) ? message : `${prefix}${message}`
    return fields === undefined || Object.keys(fields).length === 0
      ? text
      : `${text} ${Object.entries(fields)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(' ')}`
  }
  return {
    debug: (message, fields) => {
      if (logger.level >= DEBUG) logger.debug(line(message, fields))
    },
    info: (message, fields) => logger.info(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  }
}
