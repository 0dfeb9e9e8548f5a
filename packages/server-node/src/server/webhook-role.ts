/**
 * The webhook role (port 9000): KeyCRM's webhooks in, the delivery worker out, plus stock alerts and
 * digests.
 *
 * @module
 */
import {
  createDeliveryWorker,
  createDigestScheduler,
  createFetchTransport,
  createForbiddenChatHandler,
  createJobRenderer,
  createKeycrmClient,
  createStockAlerter,
  type DeliveryEvent,
  type DeliveryLimits,
  type DeliveryWorker,
  type DigestScheduler,
  type KeycrmClient,
  type KeygramStore,
  type StockAlerter,
  type TelegramTransport,
  telegramBudgetKey,
} from '@keygram/core'
import type { KeygramConfig } from '../config/index.ts'
import { describeStore } from '../config/index.ts'
import { createConsoleTransport } from '../console-transport.ts'
import { errorText } from '../error-text.ts'
import { DEMO_CHAT_ID } from '../routing.ts'
import { createWebhookHandlers } from '../webhook-app.ts'
import type { RoleContext } from './context.ts'
import { createDeliveryEventHandler } from './delivery-log.ts'
import { describeListening } from './http-host.ts'

/** The webhook role's started parts. */
export interface WebhookRole {
  url: string
  worker: DeliveryWorker
  digests: DigestScheduler | null
}

/** Starts the worker, the digests (when configured) and the webhook server; registers each to stop. */
export async function startWebhookRole(context: RoleContext): Promise<WebhookRole> {
  const { config, store, logger } = context
  const stockAlerter = stockAlerterOf(config, store, context.keycrm?.client ?? null)
  if (stockAlerter !== null) {
    logger.info(
      `stock alerts: ${stockAlerter.rules.length} rule(s); KeyCRM's stock-balance webhook posts to the same URL`,
    )
  }
  const worker = startWorker(context)
  const digests = await startDigests(context)
  const { app, fastPath } = createWebhookHandlers({
    secret: config.webhookSecret,
    notifier: context.notifier,
    store,
    worker,
    metrics: context.metrics,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    stock: { alerter: stockAlerter, maxBodyBytes: config.stock.maxBodyBytes },
    isShuttingDown: context.isShuttingDown,
  })
  const listening = await context.listen(app, 'webhook', fastPath)
  const { url } = listening
  logger.info(
    `webhook server listening on ${describeListening(listening)}; store ${describeStore(config.store)}; KeyCRM posts to ${
      config.demoSecret ? `${url}/webhooks/keycrm/${config.webhookSecret}` : '/webhooks/keycrm/<secret>'
    }`,
  )
  if (config.demo) logger.info('send the bundled sample webhooks with: pnpm exec keygram send-test')
  return { url, worker, digests }
}

function startWorker(context: RoleContext): DeliveryWorker {
  const { config, keycrm, statuses } = context
  const worker = createDeliveryWorker({
    store: context.store,
    transport: transportOf(context),
    limits: limitsOf(config, context.transport),
    // Replicas with this bot token share its 30 messages a second through the store's budgets.
    ...(config.botToken === null ? {} : { budgetKey: telegramBudgetKey(config.botToken) }),
    cards: {
      editWindowMs: config.cards.editWindowMs,
      ...(context.actions === null ? {} : { decorate: context.actions.decorate }),
    },
    onEvent: deliveryEventsOf(context),
    // Enrichment happens here, when the worker sends: the webhook never waits on KeyCRM's API.
    render: createJobRenderer({
      format: config.format,
      ...(statuses === undefined ? {} : { statuses }),
      ...(keycrm === null ? {} : { enrich: keycrm.enrich }),
    }),
  })
  worker.start()
  context.onStop(() => worker.stop())
  if (keycrm !== null) {
    context.logger.info(
      `KeyCRM enrichment on (${keycrm.client.baseUrl}, up to ${config.keycrm.budgetMs} ms per notification)`,
    )
  }
  return worker
}

// Every outcome is logged and counted; a chat that answers 403 is also unsubscribed (if it subscribed with
// /subscribe) or reported (if it comes from the configuration).
function deliveryEventsOf(context: RoleContext): (event: DeliveryEvent) => void {
  const log = createDeliveryEventHandler({
    logger: context.logger,
    metrics: context.metrics,
    redact: (text) => context.redact(text),
    onSent: () => context.markDelivered(),
  })
  if (context.config.demo) return log
  const onForbidden = createForbiddenChatHandler({
    kv: context.store.kv,
    onOutcome: (_outcome, message) => context.logger.warn(context.redact(message)),
    onError: (error) =>
      context.logger.error(
        `could not unsubscribe a chat that answered 403: ${context.redact(errorText(error))}`,
      ),
  })
  return (event) => {
    log(event)
    void onForbidden(event)
  }
}

async function startDigests(context: RoleContext): Promise<DigestScheduler | null> {
  const { config, logger } = context
  if (config.digests.length === 0) return null
  const digests = createDigestScheduler({
    store: context.store,
    schedules: config.digests,
    onRun: (result) =>
      logger.info(
        `digest for chat ${result.chatId} (${result.deliveryKey}): ${result.status === 'queued' ? 'queued' : 'already sent'}`,
      ),
    onError: (error, schedule) =>
      logger.error(`digest for chat ${schedule.chatId} failed: ${context.redact(errorText(error))}`),
  })
  context.onStop(() => digests.stop())
  // Sends a digest missed while no replica ran (within 12 h), then waits for the schedule.
  await digests.start()
  logger.info(
    `digests: ${config.digests.map((digest) => `chat ${digest.chatId} at "${digest.cron ?? '0 9 * * *'}" ${digest.timeZone}`).join('; ')}`,
  )
  return digests
}

function transportOf(context: RoleContext): TelegramTransport {
  if (context.transport !== undefined) return context.transport
  const { config } = context
  if (config.botToken === null) return createConsoleTransport()
  return createFetchTransport({ token: config.botToken, apiRoot: config.telegramApiRoot })
}

function limitsOf(config: KeygramConfig, transport: TelegramTransport | undefined): DeliveryLimits {
  // The console has no rate limits: demo notifications print at once.
  if (config.demo && transport === undefined) {
    return {
      privateChatIntervalMs: 0,
      groupChatIntervalMs: 0,
      groupMessagesPerMinute: Number.POSITIVE_INFINITY,
      ...config.limits,
    }
  }
  return config.limits
}

/**
 * The stock alerter of a configuration, or `null` without stock rules. A rule with no chat (the
 * `KEYGRAM_STOCK_LOW` rule in demo mode without `KEYGRAM_CHAT_ID`) alerts the demo chat. With a KeyCRM
 * client, alerts name their products; pass the process's shared one (default: a new client when the config
 * has an API key).
 */
export function stockAlerterOf(
  config: KeygramConfig,
  store: KeygramStore,
  keycrm: KeycrmClient | null = config.keycrm.apiKey === null
    ? null
    : createKeycrmClient({ apiKey: config.keycrm.apiKey, baseUrl: config.keycrm.apiUrl }),
): StockAlerter | null {
  if (config.stock.rules.length === 0) return null
  const rules = config.stock.rules.map((rule) =>
    rule.chats.length === 0 ? { ...rule, chats: [{ chatId: DEMO_CHAT_ID }] } : rule,
  )
  return createStockAlerter({
    store,
    rules,
    locale: config.format.locale ?? 'uk',
    ...(keycrm === null ? {} : { keycrm: { client: keycrm } }),
    ...(config.keycrm.domain === null ? {} : { keycrmDomain: config.keycrm.domain }),
  })
}
