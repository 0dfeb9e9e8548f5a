/**
 * Two-way actions in the server: the rules' status names resolved with KeyCRM's status list, the buttons the
 * webhook role's worker puts on cards, and the handler the bot role answers presses with.
 *
 * @module
 */
import {
  createFetchActionBotApi,
  createFetchTransport,
  createJobRenderer,
  createKeygramActions,
  type KeygramActions,
  type KeygramStore,
  type StatusDictionary,
  type TelegramTransport,
} from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import type { KeygramConfig } from '../config/index.ts'
import { errorText } from '../error-text.ts'
import type { KeycrmServices } from '../keycrm.ts'
import type { KeygramMetrics } from '../metrics/index.ts'

/** What {@link createServerActions} needs from the server. */
export interface ServerActionsContext {
  config: KeygramConfig
  store: KeygramStore
  keycrm: KeycrmServices | null
  statuses: StatusDictionary | undefined
  transport: TelegramTransport | undefined
  logger: ConsolaInstance
  metrics: KeygramMetrics
  redact(text: string): string
}

/** How long start waits for KeyCRM's status list when actions are configured. */
const STATUS_LIST_TIMEOUT_MS = 15_000

/** The server's actions, or `null` when none are configured (or there is no bot to press them on). */
export async function createServerActions(context: ServerActionsContext): Promise<KeygramActions | null> {
  const { config, keycrm, logger } = context
  if (config.actions.rules.length === 0) return null
  if (config.botToken === null) {
    logger.warn('actions: configured, but demo mode has no bot to press them on; they are off')
    return null
  }
  // The configuration refuses actions without an API key; this is the type's check.
  if (keycrm === null) throw new Error('actions need KEYCRM_API_KEY')
  const statuses = context.statuses ?? (await loadStatuses(keycrm, config))
  const transport =
    context.transport?.editMessageText === undefined
      ? createFetchTransport({ token: config.botToken, apiRoot: config.telegramApiRoot })
      : context.transport
  const actions = await createKeygramActions({
    secret: config.actions.secret,
    rules: config.actions.rules,
    statuses,
    store: context.store,
    keycrm: keycrm.client,
    api: createFetchActionBotApi({ token: config.botToken, apiRoot: config.telegramApiRoot }),
    transport: transport as Required<TelegramTransport>,
    renderer: createJobRenderer({ format: config.format, statuses, enrich: keycrm.enrich }),
    admins: config.admins,
    locale: config.format.locale ?? 'uk',
    editWindowMs: config.cards.editWindowMs,
    onOutcome: (outcome) => {
      context.metrics.actions.inc({ outcome: outcome.outcome })
      const line = `action: ${outcome.userName} (${outcome.userId}) ${outcome.entity} #${outcome.id} ${outcome.from} -> ${outcome.to} in chat ${outcome.chatId}: ${outcome.outcome}${outcome.detail === undefined ? '' : ` (${outcome.detail})`}`
      if (outcome.outcome === 'failed') logger.warn(context.redact(line))
      else logger.info(context.redact(line))
    },
    onError: (error) => logger.error(`actions: ${context.redact(errorText(error))}`),
  })
  logger.info(`actions: ${actions.rules.length} rule(s); buttons on order and lead cards`)
  return actions
}

async function loadStatuses(keycrm: KeycrmServices, config: KeygramConfig): Promise<StatusDictionary> {
  try {
    const fromKeycrm = await keycrm.dictionaries.statusDictionary(AbortSignal.timeout(STATUS_LIST_TIMEOUT_MS))
    const own = config.format.statuses
    // Names given in the config (format.statuses) win over KeyCRM's, as they do in messages.
    return {
      order: { ...fromKeycrm.order, ...own?.order },
      lead: { ...fromKeycrm.lead, ...own?.lead },
    }
  } catch (error) {
    throw new Error(
      `actions need KeyCRM's status list, which could not be loaded from ${keycrm.client.baseUrl} (${errorText(error)}); check KEYCRM_API_KEY`,
      { cause: error },
    )
  }
}
