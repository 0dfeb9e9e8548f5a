/**
 * What a notification is about, in the words of a log line, read from its delivery key.
 *
 * @module
 */

// The key shapes of core's `deliveryKey()`: `order.change_order_status:<id>:status=<id>:at=...`,
// `order.change_payment_status:<id>:payment=<status>:at=...`, `lead.change_lead_status:<id>:status=...`.
const KNOWN_CHANGE = /^(order|lead)\.change_[a-z]+_status:([^:]+):(status|payment)=([^:]*)/
// Unknown events: `<event, percent-encoded>[:<id>]:h=<hash>`.
const OTHER_EVENT = /^([^:]+)(?::(\d+))?:h=/

/**
 * `order #23196 status 4`, `order #23196 payment paid`, `lead #12 status 3`, `stock alert`, `digest`, or
 * the event name (and id) of an event Keygram does not know.
 */
export function deliverySubject(deliveryKey: string): string {
  const change = KNOWN_CHANGE.exec(deliveryKey)
  if (change !== null) return `${change[1]} #${change[2]} ${change[3]} ${decoded(change[4]!)}`
  if (deliveryKey.startsWith('stock:')) return 'stock alert'
  if (deliveryKey.startsWith('digest:')) return 'digest'
  const other = OTHER_EVENT.exec(deliveryKey)
  if (other !== null) return `${decoded(other[1]!)}${other[2] === undefined ? '' : ` #${other[2]}`}`
  return deliveryKey.split(':', 1)[0] ?? deliveryKey
}

/** `0.4 ms`, `850 ms`, `1.2 s`, `95 s`. */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
