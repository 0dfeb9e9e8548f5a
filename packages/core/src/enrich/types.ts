/**
 * What an enrichment attempt yields.
 *
 * @module
 */
import type { OrderEnrichment, StatusDictionary } from '../format/types.ts'

/** Why details are missing. */
export type NotEnrichedReason =
  /** The budget ran out while requests were in flight. */
  | 'timeout'
  /** The budget ran out while requests waited for the API's rate limit, or KeyCRM kept answering 429. */
  | 'rate_limited'
  /** KeyCRM answered 5xx, reset the connection, or sent no JSON. */
  | 'unavailable'
  /** The API key was refused (401/403): a configuration error worth fixing. */
  | 'unauthorized'
  /** The order or card no longer exists. */
  | 'not_found'
  | 'error'

/** The result of {@link enrichEvent}; it never rejects. */
export interface EnrichmentResult {
  /**
   * `enriched`: every detail arrived; `partial`: some (e.g. status names, but not the order);
   * `not_enriched`: none; `skipped`: nothing to look up (unknown events).
   */
  status: 'enriched' | 'partial' | 'not_enriched' | 'skipped'
  /** Buyer, products, manager, shipping, for the formatter. */
  enrichment?: OrderEnrichment
  /** Status names for the formatter (and status-name routing). */
  statuses?: StatusDictionary
  /** Set unless `enriched` or `skipped`. */
  reason?: NotEnrichedReason
  /** How long it took, in ms. */
  elapsedMs: number
}
