/**
 * Links from a tracking number (TTN) to the carrier's public tracking page, for the carriers Ukrainian
 * shops use most.
 *
 * The URL formats are the ones shops and integrations link to (the carriers publish no URL contract):
 * Nova Poshta `novaposhta.ua/tracking/?cargo_number=`, Ukrposhta `track.ukrposhta.ua/tracking_UA.html?barcode=`,
 * Meest `ua.meest.com/parcel-track?parcel_number=`.
 *
 * @module
 */
import type { Carrier } from './types.ts'

// KeyCRM names delivery services as the account set them up (Ukrainian, Russian or Latin spelling, an
// alias like `novaposhta`), so each carrier is recognised by every common spelling of its name.
const carrierNames: readonly (readonly [Carrier, RegExp])[] = [
  ['nova_poshta', /nova\s*-?\s*po(?:sh|š|s)ta|nova\s*post\b|нова\s*пошта|новая\s*почта/i],
  ['ukrposhta', /ukr\s*-?\s*po(?:sh|š|s)ta|укрпошта|укрпочта/i],
  ['meest', /meest|міст\s*експрес|мист\s*экспресс/i],
]

/** The carrier a delivery service's name (or alias) names, if Keygram knows it. */
export function carrierOf(service: string | null | undefined): Carrier | undefined {
  if (!service) return undefined
  return carrierNames.find(([, pattern]) => pattern.test(service))?.[0]
}

const trackingPages: Readonly<Record<Carrier, string>> = {
  nova_poshta: 'https://novaposhta.ua/tracking/?cargo_number=',
  ukrposhta: 'https://track.ukrposhta.ua/tracking_UA.html?barcode=',
  meest: 'https://ua.meest.com/parcel-track?parcel_number=',
}

/**
 * The carrier's public tracking page for a tracking number, or `undefined` when the carrier is unknown or
 * the number does not look like one (tracking numbers are letters and digits, e.g. `20450000000000`,
 * `0500113014256`, `CA123456789UA`).
 */
export function trackingUrl(carrier: Carrier | null | undefined, trackingCode: string): string | undefined {
  if (!carrier || !Object.hasOwn(trackingPages, carrier)) return undefined
  const code = trackingCode.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9-]{4,40}$/.test(code)) return undefined
  return `${trackingPages[carrier]}${encodeURIComponent(code)}`
}
