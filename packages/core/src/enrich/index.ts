/**
 * Best-effort enrichment of KeyCRM events from the REST API, within a time budget.
 *
 * @module
 */
export {
  createEnricher,
  DEFAULT_ENRICH_BUDGET_MS,
  type Enricher,
  type EnrichOptions,
  type EnrichSource,
  enrichEvent,
} from './enrich.ts'
export {
  leadEnrichment,
  orderEnrichment,
} from './map.ts'
export { notEnrichedNote } from './note.ts'
export type { EnrichmentResult, NotEnrichedReason } from './types.ts'
