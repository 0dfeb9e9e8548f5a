/**
 * The process's one KeyCRM client: KeyCRM allows 60 requests a minute per key, so enrichment, stock alert
 * product names and the status list all wait in the same line instead of each spending its own 60.
 *
 * @module
 */
import {
  createEnricher,
  createKeycrmClient,
  createKeycrmDictionaries,
  type Enricher,
  type KeycrmClient,
  type KeycrmDictionaries,
  type RateBudgetStore,
  RouteConfigError,
  type RouteRule,
  type StatusDictionary,
  type ValidRouteRule,
  validateRouteRules,
} from '@keygram/core'
import type { KeygramConfig } from './config/index.ts'

/** The shared KeyCRM client, its cached dictionaries, and the enricher notifications use. */
export interface KeycrmServices {
  readonly client: KeycrmClient
  readonly dictionaries: KeycrmDictionaries
  /** Adds order or funnel card details within `config.keycrm.budgetMs`. */
  readonly enrich: Enricher
}

/** The KeyCRM services of a configuration, or `null` without `KEYCRM_API_KEY`. */
export function createKeycrmServices(
  config: Pick<KeygramConfig, 'keycrm'>,
  options: {
    fetch?: typeof fetch
    /** The store's rate budgets: every replica with this API key then shares its 60 requests a minute. */
    budgets?: RateBudgetStore
  } = {},
): KeycrmServices | null {
  const { apiKey, apiUrl, budgetMs } = config.keycrm
  if (apiKey === null) return null
  const client = createKeycrmClient({
    apiKey,
    baseUrl: apiUrl,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.budgets === undefined ? {} : { budgets: options.budgets }),
  })
  const dictionaries = createKeycrmDictionaries(client)
  return { client, dictionaries, enrich: createEnricher({ client, dictionaries }, { budgetMs }) }
}

/** Whether any rule names statuses (`statusNames`, `loud.statusNames`), which needs KeyCRM's status list. */
export function routesUseStatusNames(routes: readonly RouteRule[]): boolean {
  return routes.some((rule) => rule.statusNames !== undefined || rule.loud?.statusNames !== undefined)
}

/** How long start waits for KeyCRM's status list when rules name statuses. */
export const STATUS_LIST_TIMEOUT_MS = 15_000

/**
 * Loads KeyCRM's status list and resolves the rules' `statusNames` with it, waiting at most `timeoutMs`.
 *
 * @throws {Error} with one clear line: the list could not be loaded in time, or names no status knows
 *   (listing the known ones). The message never holds the API key.
 */
export async function resolveStatusNames(
  routes: readonly RouteRule[],
  keycrm: KeycrmServices | null,
  options: { timeZone?: string; timeoutMs?: number } = {},
): Promise<{ rules: ValidRouteRule[]; statuses: StatusDictionary }> {
  if (keycrm === null)
    throw new Error(
      "routes use statusNames, which need KeyCRM's status list: set KEYCRM_API_KEY or use statusIds",
    )
  const timeoutMs = options.timeoutMs ?? STATUS_LIST_TIMEOUT_MS
  let statuses: StatusDictionary
  try {
    statuses = await keycrm.dictionaries.statusDictionary(AbortSignal.timeout(timeoutMs))
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : errorText(error)
    throw new Error(
      `routes use statusNames, but KeyCRM's status list could not be loaded from ${keycrm.client.baseUrl} (${reason}); check KEYCRM_API_KEY or use statusIds`,
      { cause: error },
    )
  }
  try {
    const rules = validateRouteRules(routes, {
      statuses,
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    })
    return { rules, statuses }
  } catch (error) {
    if (error instanceof RouteConfigError)
      throw new Error(`routes: ${error.problems.join('; ')}`, { cause: error })
    throw error
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
