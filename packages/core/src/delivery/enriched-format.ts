/**
 * Formatting options shared by the notifier (rendering when a webhook arrives) and the job renderer
 * (rendering when the worker sends): the status list folded into the options, and an enrichment result
 * folded in on top, with the "not enriched" note it calls for.
 *
 * @module
 */
import type { Enricher } from '../enrich/enrich.ts'
import { notEnrichedNote } from '../enrich/note.ts'
import type { EnrichmentResult } from '../enrich/types.ts'
import type { FormatLocale, FormatOptions, StatusDictionary } from '../format/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'

/** `format` with `statuses` as its status names, unless it names its own. */
export function formatWithStatuses(
  format: FormatOptions | undefined,
  statuses: StatusDictionary | undefined,
): FormatOptions {
  return statuses !== undefined && format?.statuses === undefined ? { ...format, statuses } : (format ?? {})
}

/** Runs `enrich`; an enricher that throws counts as `not_enriched` (reason `error`), never as a failure. */
export async function safeEnrich(enrich: Enricher, event: KeycrmEvent): Promise<EnrichmentResult> {
  try {
    return await enrich(event)
  } catch {
    return { status: 'not_enriched', reason: 'error', elapsedMs: 0 }
  }
}

/** `format` with what enrichment brought (details, status names). */
export function withEnrichment(format: FormatOptions, result: EnrichmentResult | undefined): FormatOptions {
  if (result === undefined) return format
  const merged: FormatOptions = { ...format }
  if (result.enrichment !== undefined) merged.enrichment = result.enrichment
  if (result.statuses !== undefined) {
    merged.statuses = {
      order: { ...format.statuses?.order, ...result.statuses.order },
      lead: { ...format.statuses?.lead, ...result.statuses.lead },
    }
  }
  return merged
}

/** The note a notification carries when enrichment was wanted but did not (fully) happen. */
export function noticeOf(
  result: EnrichmentResult | undefined,
): { notice: (locale: FormatLocale) => string | undefined } | undefined {
  if (result === undefined || result.status === 'enriched' || result.status === 'skipped') return undefined
  const reason = result.reason ?? 'error'
  return { notice: (locale) => notEnrichedNote(reason, locale) }
}
