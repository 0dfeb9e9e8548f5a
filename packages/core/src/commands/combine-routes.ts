/**
 * Combining routing sources: the configured rules and the chats' own subscriptions.
 *
 * @module
 */
import {
  matchRouteRules,
  type RouteFunction,
  type Routes,
  type RouteTarget,
  validateRouteRules,
} from '../delivery/routes.ts'
import type { KeycrmEvent } from '../webhook/types.ts'

/**
 * One route function from several sources: the targets of each, in order, with repeated destinations
 * (same chat id as text and same topic) dropped; the first occurrence, with its overrides, wins.
 *
 * @throws {RouteConfigError} when `rules` is an array with an invalid rule (checked now, not per event).
 * @example
 * ```ts
 * createNotifier({ store, routes: combineRoutes(config.routes, subscriptionRoutes(store)) })
 * ```
 */
export function combineRoutes(rules: Routes, ...more: readonly RouteFunction[]): RouteFunction {
  const first: RouteFunction =
    typeof rules === 'function'
      ? rules
      : (
          (valid) => (event: KeycrmEvent) =>
            matchRouteRules(valid, event)
        )(validateRouteRules(rules))
  const sources = [first, ...more]
  return async (event) => {
    const lists = await Promise.all(sources.map((source) => source(event)))
    const seen = new Set<string>()
    const targets: RouteTarget[] = []
    for (const target of lists.flat()) {
      const key = `${String(target.chatId)}\u0000${target.threadId ?? ''}`
      if (seen.has(key)) continue
      seen.add(key)
      targets.push(target)
    }
    return targets
  }
}
