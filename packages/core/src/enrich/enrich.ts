/**
 * Best-effort enrichment of an event from KeyCRM's API, within a time budget.
 *
 * The webhook carries ids only ("order 67526 -> status #11"); the API turns them into "Shipped, Olena K.,
 * 2 items, Nova Poshta TTN ...". But the notification must not wait on KeyCRM: whatever has not arrived
 * when the budget is spent is abandoned (requests waiting for the rate limit leave the line, requests in
 * flight are aborted) and the result says what is missing and why.
 *
 * @module
 */
import { type Clock, systemClock } from '../delivery/clock.ts'
import type { StatusDictionary } from '../format/types.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import {
  createKeycrmDictionaries,
  type KeycrmDictionaries,
  leadStatusInfo,
  orderStatusInfo,
} from '../keycrm/dictionaries.ts'
import { KeycrmApiError } from '../keycrm/errors.ts'
import type { KeycrmLead, KeycrmOrder } from '../keycrm/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import { leadEnrichment, orderEnrichment } from './map.ts'
import type { EnrichmentResult, NotEnrichedReason } from './types.ts'

/** The default: a notification is never held more than 3 s for KeyCRM's API. */
export const DEFAULT_ENRICH_BUDGET_MS = 3_000

/** Where details come from: a client, and the dictionaries cached over it. */
export interface EnrichSource {
  client: KeycrmClient
  /** Default: one set per client, created on first use and kept (so the cache lives as long as the client). */
  dictionaries?: KeycrmDictionaries
}

/** Options of {@link enrichEvent}. */
export interface EnrichOptions {
  /** The most time to spend, in ms. Default {@link DEFAULT_ENRICH_BUDGET_MS}. */
  budgetMs?: number
  /** Abandons the attempt early. */
  signal?: AbortSignal
  clock?: Clock
}

const sharedDictionaries = new WeakMap<KeycrmClient, KeycrmDictionaries>()

function resolveSource(source: KeycrmClient | EnrichSource): Required<EnrichSource> {
  const client = 'client' in source ? source.client : source
  let dictionaries = 'client' in source ? source.dictionaries : undefined
  if (dictionaries === undefined) {
    dictionaries = sharedDictionaries.get(client)
    if (dictionaries === undefined) {
      dictionaries = createKeycrmDictionaries(client)
      sharedDictionaries.set(client, dictionaries)
    }
  }
  return { client, dictionaries }
}

function reasonOf(error: unknown): NotEnrichedReason {
  if (!(error instanceof KeycrmApiError)) return 'error'
  switch (error.kind) {
    case 'unauthorized':
    case 'not_found':
    case 'rate_limited':
    case 'timeout':
      return error.kind
    case 'server_error':
    case 'network':
    case 'invalid_response':
      return 'unavailable'
    default:
      return 'error'
  }
}

/**
 * Fetches what a notification about `event` can show: the order (buyer, products, manager, shipping) or
 * the funnel card (contact, products, manager), and the status names. Never rejects and never takes
 * longer than `budgetMs` (plus a few ms of bookkeeping).
 *
 * @example
 * ```ts
 * const keycrm = createKeycrmClient({ apiKey })
 * const result = await enrichEvent(event, keycrm, { budgetMs: 3000 })
 * formatNotification(event, { enrichment: result.enrichment, statuses: result.statuses })
 * ```
 */
export async function enrichEvent(
  event: KeycrmEvent,
  source: KeycrmClient | EnrichSource,
  options: EnrichOptions = {},
): Promise<EnrichmentResult> {
  const clock = options.clock ?? systemClock
  const started = clock.now()
  const elapsed = () => Math.max(0, clock.now() - started)
  if (event.kind === 'unknown') return { status: 'skipped', elapsedMs: 0 }
  const budgetMs = options.budgetMs ?? DEFAULT_ENRICH_BUDGET_MS
  if (!(budgetMs > 0) || options.signal?.aborted)
    return { status: 'not_enriched', reason: 'timeout', elapsedMs: 0 }
  const { client, dictionaries } = resolveSource(source)

  const budget = new AbortController()
  const signal =
    options.signal === undefined ? budget.signal : AbortSignal.any([options.signal, budget.signal])
  const finished = new AbortController()
  let expired = false
  let lineWasWaiting = false
  const deadline = clock.sleep(budgetMs, finished.signal).then(() => {
    if (finished.signal.aborted) return
    expired = true
    // Our requests still waiting in the limiter's line means the rate limit, not KeyCRM, held them up.
    lineWasWaiting = client.limiter.waiting > 0
    budget.abort(new DOMException('enrichment budget spent', 'TimeoutError'))
  })

  let entity: KeycrmOrder | KeycrmLead | undefined
  let entityError: unknown
  let statuses: StatusDictionary | undefined
  let statusesError: unknown
  const id = event.context.id
  const entityTask = (
    event.kind === 'lead_status'
      ? client.lead(id, { signal, priority: 'enrich' })
      : client.order(id, { signal, priority: 'enrich' })
  ).then(
    (value) => {
      entity = value
    },
    (error: unknown) => {
      entityError = error
    },
  )
  // Only the list of the event's kind: an order event needs no funnel statuses (and their requests).
  // A status id the cached list lacks (created since it loaded) reloads it, within the cache's throttle.
  const statusId = event.context.status_id
  const isLead = event.kind === 'lead_status'
  const lookup =
    statusId === null
      ? Promise.resolve(undefined)
      : (isLead ? dictionaries.leadStatuses : dictionaries.orderStatuses).get(statusId, signal)
  const statusTask = lookup
    .catch(() => undefined)
    .then(async (): Promise<StatusDictionary> => {
      if (isLead) {
        const list = await dictionaries.leadStatuses.all(signal)
        return { lead: Object.fromEntries([...list].map(([id, status]) => [id, leadStatusInfo(status)])) }
      }
      const list = await dictionaries.orderStatuses.all(signal)
      return { order: Object.fromEntries([...list].map(([id, status]) => [id, orderStatusInfo(status)])) }
    })
    .then(
      (value) => {
        statuses = value
      },
      (error: unknown) => {
        statusesError = error
      },
    )
  let sourceName: string | undefined
  const sourceTask = lookUpSourceName(
    event,
    dictionaries,
    entityTask.then(() => entity),
    signal,
  ).then((name) => {
    sourceName = name
  })
  await Promise.race([Promise.all([entityTask, statusTask, sourceTask]), deadline])
  finished.abort()
  budget.abort(new DOMException('enrichment finished', 'AbortError'))

  const result: EnrichmentResult = { status: 'not_enriched', elapsedMs: elapsed() }
  if (entity !== undefined) {
    result.enrichment =
      event.kind === 'lead_status'
        ? leadEnrichment(entity as KeycrmLead)
        : orderEnrichment(entity as KeycrmOrder)
  }
  if (result.enrichment !== undefined && sourceName !== undefined)
    result.enrichment.source = { name: sourceName }
  const merged = withEntityStatus(statuses, event, entity)
  if (merged !== undefined) result.statuses = merged
  const hasStatus = merged !== undefined && statusKnown(merged, event)

  if (entity !== undefined && hasStatus) result.status = 'enriched'
  else {
    result.status = entity !== undefined || hasStatus ? 'partial' : 'not_enriched'
    const failure = entityError ?? statusesError
    result.reason = expired
      ? lineWasWaiting || (failure instanceof KeycrmApiError && failure.kind === 'rate_limited')
        ? 'rate_limited'
        : 'timeout'
      : failure === undefined
        ? 'not_found'
        : reasonOf(failure)
  }
  return result
}

/**
 * The name of an order's source (its sales channel), from the cached source list, by the webhook's
 * `source_id`, else the order's once it arrived. Never rejects: a name that cannot be had is left out, and
 * it never changes whether the event counts as enriched. Funnel cards show their title instead (and the
 * order source list is not theirs to look up).
 */
async function lookUpSourceName(
  event: Exclude<KeycrmEvent, { kind: 'unknown' }>,
  dictionaries: KeycrmDictionaries,
  entity: Promise<KeycrmOrder | KeycrmLead | undefined>,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (event.kind === 'lead_status') return undefined
  try {
    const id = event.context.source_id ?? (await entity)?.source_id
    if (typeof id !== 'number') return undefined
    const name = (await dictionaries.sources.get(id, signal))?.name
    return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined
  } catch {
    return undefined
  }
}

function statusKnown(statuses: StatusDictionary, event: KeycrmEvent): boolean {
  if (event.kind === 'unknown') return false
  const statusId = event.context.status_id
  if (statusId === null) return true
  const dictionary = event.kind === 'lead_status' ? statuses.lead : statuses.order
  return dictionary !== undefined && Object.hasOwn(dictionary, statusId)
}

// The entity's own `status` include names its current status even when the dictionaries failed to load.
function withEntityStatus(
  statuses: StatusDictionary | undefined,
  event: KeycrmEvent,
  entity: KeycrmOrder | KeycrmLead | undefined,
): StatusDictionary | undefined {
  const status = entity?.status
  if (!status || typeof status !== 'object' || typeof status.id !== 'number') return statuses
  const result: StatusDictionary = { ...statuses }
  if (event.kind === 'lead_status' && 'title' in status) {
    if (result.lead?.[status.id] === undefined)
      result.lead = { ...result.lead, [status.id]: leadStatusInfo(status) }
  } else if (event.kind !== 'lead_status' && 'name' in status) {
    if (result.order?.[status.id] === undefined)
      result.order = { ...result.order, [status.id]: orderStatusInfo(status) }
  }
  return result
}

/** An enrich function with its source and options bound, as `createNotifier({ enrich })` takes it. */
export type Enricher = (event: KeycrmEvent, signal?: AbortSignal) => Promise<EnrichmentResult>

/**
 * Binds {@link enrichEvent} to one client and its dictionaries.
 *
 * @example
 * ```ts
 * createNotifier({ store, routes, enrich: createEnricher(createKeycrmClient({ apiKey }), { budgetMs: 3000 }) })
 * ```
 */
export function createEnricher(
  source: KeycrmClient | EnrichSource,
  options: Omit<EnrichOptions, 'signal'> = {},
): Enricher {
  const resolved = resolveSource(source)
  return (event, signal) =>
    enrichEvent(event, resolved, signal === undefined ? options : { ...options, signal })
}
