/**
 * A synchronous, stable content hash for idempotency keys.
 *
 * Web standards only offer SHA-256 through `crypto.subtle.digest`, which is async; a delivery key is
 * needed synchronously (and on every runtime), and it guards against duplicates, not attackers. So this
 * is FNV-1a 64-bit over canonical JSON, written by hand. 64 bits keep accidental collisions (which
 * would suppress a genuine notification) negligible: about 1 in 10^8 even after 10^6 keys of one event.
 *
 * @module
 */

const encoder = new TextEncoder()

/** FNV-1a 64-bit of the UTF-8 bytes of `text`, as 16 lowercase hex digits. */
export function fnv1a64(text: string): string {
  // The 64-bit state lives in four 16-bit limbs (h0 lowest) so that all arithmetic stays exact in doubles.
  let h0 = 0x2325
  let h1 = 0x8422
  let h2 = 0x9ce4
  let h3 = 0xcbf2
  for (const byte of encoder.encode(text)) {
    h0 ^= byte
    // Multiply by the FNV prime 2^40 + 0x1b3: the 0x1b3 part limb by limb, plus the state shifted by 40 bits.
    const t0 = h0 * 0x1b3
    const t1 = h1 * 0x1b3 + (t0 >>> 16)
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16)
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16)
    h0 = t0 & 0xffff
    h1 = t1 & 0xffff
    h2 = t2 & 0xffff
    h3 = t3 & 0xffff
  }
  return hex16(h3) + hex16(h2) + hex16(h1) + hex16(h0)
}

function hex16(limb: number): string {
  return limb.toString(16).padStart(4, '0')
}

/**
 * JSON with object keys sorted at every depth, so equal data gives equal text whatever the key order
 * it arrived in. `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  const record = value as Record<string, unknown>
  const members: string[] = []
  for (const key of Object.keys(record).sort()) {
    const item = record[key]
    if (item !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(item)}`)
  }
  return `{${members.join(',')}}`
}
