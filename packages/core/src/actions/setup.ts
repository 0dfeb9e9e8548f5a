/**
 * Everything two-way actions need, from one call: the signer, the keyboards, the card decorator the delivery
 * worker renders cards through, and the handler the bot answers presses with.
 *
 * @module
 */
import type { CardDecoration } from '../delivery/cards/deliver.ts'
import type { StatusDictionary } from '../format/types.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import { createActionCardDecorator } from './card-buttons.ts'
import { type ActionKeyboards, createActionKeyboards } from './keyboard.ts'
import { type ActionHandler, type ActionHandlerOptions, createActionHandler } from './press.ts'
import { type ActionRule, type ResolvedActionRule, resolveActionRules } from './rules.ts'
import { createActionTokens } from './token.ts'

/** Options of {@link createKeygramActions}. */
export interface KeygramActionsOptions
  extends Omit<ActionHandlerOptions, 'tokens' | 'keyboards' | 'cardTtlMs'> {
  /** Signs the buttons: at least 16 characters, private (the server derives it from the webhook secret). */
  secret: string
  /** The transitions (see {@link ActionRule}). */
  rules: readonly ActionRule[]
  /** KeyCRM's status list: names in rules, button labels, and which targets are in the canceled group. */
  statuses: StatusDictionary
  /** The cards' edit window in ms (buttons work as long; each edit signs them anew). Default 7 days. */
  editWindowMs?: number
}

/** Two-way actions, wired. */
export interface KeygramActions {
  rules: readonly ResolvedActionRule[]
  keyboards: ActionKeyboards
  /** Give it to the delivery worker: `createDeliveryWorker({ cards: { decorate } })`. */
  decorate: (decoration: CardDecoration) => Promise<TelegramMessage>
  /** Give it the bot's callback queries (the adapters' `keygramActions(handler)` does). */
  handler: ActionHandler
}

/**
 * Builds two-way actions.
 *
 * @throws {ActionConfigError} when a rule is invalid or names an unknown status.
 * @example
 * ```ts
 * const actions = await createKeygramActions({ secret, rules, statuses, store, keycrm, api, transport, renderer, admins })
 * const worker = createDeliveryWorker({ store, transport, render: renderer, cards: { decorate: actions.decorate } })
 * bot.use(keygramActions(actions.handler))
 * ```
 */
export async function createKeygramActions(options: KeygramActionsOptions): Promise<KeygramActions> {
  const { secret, rules: input, statuses, editWindowMs = 7 * 24 * 60 * 60 * 1000, ...handler } = options
  const rules = resolveActionRules(input, statuses)
  const tokens = await createActionTokens(secret)
  const keyboards = createActionKeyboards({
    tokens,
    rules,
    statuses,
    ...(options.locale === undefined ? {} : { locale: options.locale }),
    ttlSeconds: Math.ceil(editWindowMs / 1000),
  })
  return {
    rules,
    keyboards,
    decorate: createActionCardDecorator(keyboards, options.now),
    handler: createActionHandler({
      ...handler,
      tokens,
      keyboards,
      cardTtlMs: editWindowMs + 24 * 60 * 60 * 1000,
    }),
  }
}
