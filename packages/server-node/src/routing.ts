/**
 * The notifier's routes: the configured rules, the chats' own `/subscribe`s, and the demo chat.
 *
 * @module
 */

import type { KeygramStore, RouteFunction, RouteRule, Routes, ValidRouteRule } from '@keygram/core'
import * as core from '@keygram/core'
import type { KeygramConfig } from './config/index.ts'

/** The chat demo notifications are printed for when no chat is configured. */
export const DEMO_CHAT_ID = '@keygram_demo'

// Subscriptions come from the bot commands in core; looked up at run time so this package works with a
// core that does not export them (yet).
type CombineRoutes = (rules: Routes, ...more: RouteFunction[]) => RouteFunction
type SubscriptionRoutes = (store: Pick<KeygramStore, 'kv'>) => RouteFunction

/**
 * The routes of a configuration: its rules plus, when the core provides them, subscriptions made with
 * `/subscribe`. In demo mode with no rules every event goes to {@link DEMO_CHAT_ID}.
 *
 * `resolved`: the configuration's rules already validated against KeyCRM's status list (rules that use
 * `statusNames` cannot be validated again without it), matched as they are.
 */
export function configRoutes(
  config: KeygramConfig,
  store: Pick<KeygramStore, 'kv'>,
  resolved?: readonly ValidRouteRule[],
): Routes {
  const rules: RouteRule[] | RouteFunction =
    resolved !== undefined
      ? (event) => core.matchRouteRules(resolved, event)
      : config.routes.length === 0 && config.demo
        ? [{ chatId: DEMO_CHAT_ID }]
        : [...config.routes]
  const exports = core as unknown as Record<string, unknown>
  const combineRoutes = exports.combineRoutes as CombineRoutes | undefined
  const subscriptionRoutes = exports.subscriptionRoutes as SubscriptionRoutes | undefined
  if (config.demo || typeof combineRoutes !== 'function' || typeof subscriptionRoutes !== 'function')
    return rules
  return combineRoutes(rules, subscriptionRoutes(store))
}

/** Whether chats can subscribe themselves (the core provides subscription routing). */
export function subscriptionsAvailable(): boolean {
  const exports = core as unknown as Record<string, unknown>
  return typeof exports.combineRoutes === 'function' && typeof exports.subscriptionRoutes === 'function'
}
