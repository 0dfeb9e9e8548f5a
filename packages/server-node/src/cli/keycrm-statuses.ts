/**
 * Checking a KeyCRM API key by listing the account's order statuses, the names notifications show
 * instead of `#20`.
 *
 * @module
 */
import {
  createKeycrmClient,
  type FormatLocale,
  type KeycrmOrderStatus,
  localeStrings,
  orderStatusInfo,
  type StatusDictionary,
} from '@keygram/core'
import { errorText } from '../error-text.ts'

/** The statuses, or why the key could not be checked. */
export type StatusListing =
  | { ok: true; statuses: KeycrmOrderStatus[] }
  | { ok: false; refused: boolean; problem: string }

/** Lists the order statuses with `apiKey`, trying once, within `timeoutMs`. */
export async function listOrderStatuses(
  apiKey: string,
  apiUrl: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<StatusListing> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const client = createKeycrmClient({
    apiKey,
    baseUrl: apiUrl,
    retries: 0,
    rateLimitRetries: 0,
    requestTimeoutMs: timeoutMs,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  try {
    return { ok: true, statuses: await client.orderStatuses({ signal: AbortSignal.timeout(timeoutMs) }) }
  } catch (error) {
    const kind = (error as { kind?: string }).kind
    if (kind === 'unauthorized')
      return {
        ok: false,
        refused: true,
        problem: 'KeyCRM refused the API key (401): copy it again from KeyCRM',
      }
    return {
      ok: false,
      refused: false,
      problem: `KeyCRM did not answer the status list: ${errorText(error)}`,
    }
  }
}

/** `#20 In transit`: a built-in status in the notification language, a custom one as named. */
export function statusName(status: KeycrmOrderStatus, locale: FormatLocale): string {
  const system = localeStrings[locale].systemStatuses
  const key = [status.name, status.alias].find((name) => name !== undefined && Object.hasOwn(system, name))
  return key === undefined ? status.name : system[key]!
}

/** The statuses as `format.statuses` takes them (built-in ones are labelled in each chat's language). */
export function statusDictionary(statuses: readonly KeycrmOrderStatus[]): StatusDictionary {
  return { order: Object.fromEntries(statuses.map((status) => [status.id, orderStatusInfo(status)])) }
}
