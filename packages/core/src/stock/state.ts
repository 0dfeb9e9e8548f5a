/**
 * The per-offer stock state and its transition: the pure part of the alerter, kept apart so it can be
 * tested (and reasoned about) without a store.
 *
 * Each band (a `low` threshold with its hysteresis) is a two-state machine. `ok` goes `low` when the
 * available stock is at or below `low`; `low` goes back to `ok` when it is above `low + hysteresis`.
 * Anything in between keeps the state, so a level flapping around the threshold crosses once. Every
 * crossing bumps the band's `seq` (odd: went low, even: came back), which names the crossing.
 *
 * The state is written only when a band crosses. Decisions depend on the band states alone, so an
 * observation that crosses nothing changes nothing a later decision could see: it is a pure read, which
 * is also what makes it linearizable without a write. An unseen offer reads as every band in stock with
 * `seq` 0, exactly what such a write would have stored. This keeps a 10,000-row import at 10,000 reads
 * plus one compare-and-set per crossing, instead of a write per row.
 *
 * @module
 */
import type { StockCrossing } from './types.ts'

/** One band of one offer as stored. */
export interface StockBandState {
  /** Whether the offer is currently below the band (an alert went out and no "back" since). */
  low: boolean
  /** Crossings so far. */
  seq: number
  /** Hash of the webhook body that made the last crossing. */
  body: string | null
  /** Epoch ms of the last crossing. */
  at: number | null
}

/** What the store keeps per offer (key `stock:offer:<offer_id>`), written at each crossing. */
export interface StockOfferState {
  /** Available stock (`in_stock - in_reserve`) at the last crossing. */
  available: number
  /** Epoch ms of the last crossing. */
  updatedAt: number
  /** Hash of the webhook body that made the last crossing. */
  body: string
  /** Bands by key `<low>/<hysteresis>`. */
  bands: Record<string, StockBandState>
}

/** A band to evaluate: its key and numbers. */
export interface StockBand {
  key: string
  low: number
  hysteresis: number
}

/** The input of {@link advanceStockState}. */
export interface StockObservation {
  offerId: number
  sku: string | null
  available: number
  /** Hash of the webhook body carrying this observation. */
  body: string
  now: number
  /**
   * How long a crossing may be announced again by the same body (a retry of a webhook whose first
   * attempt changed the state but crashed before its alerts were queued).
   */
  replayWindowMs: number
}

/** The outcome of {@link advanceStockState}. */
export interface StockTransition {
  /** The state to write, or `null` when nothing changed. */
  next: StockOfferState | null
  /** The crossings to announce. */
  crossings: StockCrossing[]
}

/** Reads a stored value as a state; anything malformed (or absent) is `null`, i.e. a fresh offer. */
export function readStockState(value: unknown): StockOfferState | null {
  if (typeof value !== 'object' || value === null) return null
  const state = value as Partial<StockOfferState>
  if (typeof state.available !== 'number' || typeof state.body !== 'string') return null
  if (typeof state.bands !== 'object' || state.bands === null) return null
  return state as StockOfferState
}

function crossing(observation: StockObservation, band: StockBand, state: StockBandState): StockCrossing {
  return {
    offerId: observation.offerId,
    sku: observation.sku,
    available: observation.available,
    direction: state.low ? 'low' : 'back',
    low: band.low,
    hysteresis: band.hysteresis,
    seq: state.seq,
  }
}

/**
 * Moves an offer's state by one observation. An offer never seen counts as in stock, so its first
 * observation at or below `low` is a crossing. `next` is `null` unless a band crossed; bands no longer
 * configured are dropped when it is written.
 *
 * When `previous` was last changed by this same body, the observation is a repeat: nothing changes, and
 * the crossings that body made (within `replayWindowMs`) are returned again so a retried webhook can
 * still queue alerts a crashed first attempt did not (the queue's dedupe drops them if it did).
 */
export function advanceStockState(
  previous: StockOfferState | null,
  bands: readonly StockBand[],
  observation: StockObservation,
): StockTransition {
  const crossings: StockCrossing[] = []
  if (previous !== null && previous.body === observation.body) {
    for (const band of bands) {
      const state = previous.bands[band.key]
      if (
        state?.body === observation.body &&
        state.at !== null &&
        observation.now - state.at < observation.replayWindowMs
      )
        crossings.push(crossing(observation, band, state))
    }
    return { next: null, crossings }
  }
  const { available } = observation
  const nextBands: Record<string, StockBandState> = {}
  for (const band of bands) {
    let state: StockBandState = previous?.bands[band.key] ?? { low: false, seq: 0, body: null, at: null }
    const goesLow = !state.low && available <= band.low
    const comesBack = state.low && available > band.low + band.hysteresis
    if (goesLow || comesBack) {
      state = { low: goesLow, seq: state.seq + 1, body: observation.body, at: observation.now }
      crossings.push(crossing(observation, band, state))
    }
    nextBands[band.key] = state
  }
  if (crossings.length === 0) return { next: null, crossings }
  return {
    next: { available, updatedAt: observation.now, body: observation.body, bands: nextBands },
    crossings,
  }
}
