/**
 * The server's notifier: the configured routes (status names resolved with KeyCRM's list when rules use
 * them), rendering at send time, and a warning when nothing would be delivered.
 *
 * @module
 */
import { createNotifier, type KeygramStore, type Notifier, type StatusDictionary } from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import type { KeygramConfig } from '../config/index.ts'
import { type KeycrmServices, resolveStatusNames, routesUseStatusNames } from '../keycrm.ts'
import { configRoutes, DEMO_CHAT_ID, subscriptionsAvailable } from '../routing.ts'

/** The notifier and the status list it was built with (the worker renders with the same). */
export interface ServerNotifier {
  notifier: Notifier
  statuses: StatusDictionary | undefined
}

/** Builds the notifier of a configuration; loads KeyCRM's status list first when routes name statuses. */
export async function createServerNotifier(
  config: KeygramConfig,
  store: KeygramStore,
  keycrm: KeycrmServices | null,
  logger: ConsolaInstance,
): Promise<ServerNotifier> {
  let statuses: StatusDictionary | undefined
  let resolvedRoutes: Parameters<typeof configRoutes>[2]
  if (routesUseStatusNames(config.routes)) {
    const resolved = await resolveStatusNames(config.routes, keycrm, {
      ...(config.format.timeZone === undefined ? {} : { timeZone: config.format.timeZone }),
    })
    statuses = resolved.statuses
    resolvedRoutes = resolved.rules
    logger.info("routes: status names resolved with KeyCRM's status list")
  }
  // Rendering at send time keeps formatting off the webhook's path: KeyCRM gets its answer once the
  // event is routed and durably queued, and the worker renders with the same options.
  const notifier = createNotifier({
    // The event log feeds digests alone: with none configured, a webhook skips the extra write.
    store: config.digests.length > 0 ? store : { queue: store.queue, kv: store.kv },
    routes: configRoutes(config, store, resolvedRoutes),
    format: config.format,
    ...(statuses === undefined ? {} : { statuses }),
    renderAt: 'send',
    cards: config.cards.enabled,
  })
  warnWhereNothingGoes(config, logger)
  return { notifier, statuses }
}

function warnWhereNothingGoes(config: KeygramConfig, logger: ConsolaInstance): void {
  if (config.demo) {
    logger.warn(
      `demo mode: no TELEGRAM_BOT_TOKEN, so notifications are printed here${config.routes.length === 0 ? ` (as chat ${DEMO_CHAT_ID})` : ''} instead of sent to Telegram`,
    )
  } else if (config.routes.length === 0) {
    logger.warn(
      subscriptionsAvailable()
        ? 'no KEYGRAM_CHAT_ID or routes: notifications go only to chats that send /subscribe to the bot'
        : 'no KEYGRAM_CHAT_ID or routes: every event is accepted but sent nowhere',
    )
  }
}
