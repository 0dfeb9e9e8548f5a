/**
 * The KeyCRM REST API client: typed calls, the 60 requests/min limit as a queue, retries, and cached
 * dictionaries.
 *
 * @module
 */
export {
  createKeycrmClient,
  DEFAULT_LEAD_INCLUDE,
  DEFAULT_ORDER_INCLUDE,
  KEYCRM_API_URL,
  KEYCRM_PAGE_LIMIT,
  type KeycrmClient,
  type KeycrmClientOptions,
  type KeycrmRequestOptions,
  type KeycrmWriteOptions,
  parseRetryAfter,
} from './client.ts'
export {
  createKeycrmDictionaries,
  type KeycrmDictionaries,
  type KeycrmDictionariesOptions,
  leadStatusInfo,
  orderStatusInfo,
} from './dictionaries.ts'
export {
  createDictionaryCache,
  type DictionaryCache,
  type DictionaryCacheOptions,
} from './dictionary-cache.ts'
export {
  KeycrmApiError,
  type KeycrmErrorKind,
} from './errors.ts'
export {
  createRequestLimiter,
  type KeycrmPriority,
  type RequestLimiter,
  type RequestLimiterOptions,
} from './rate-limiter.ts'
export type * from './types.ts'
