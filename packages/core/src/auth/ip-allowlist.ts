/**
 * IP allowlists: IPv4 and IPv6 addresses and CIDR ranges, parsed by hand (web standards have no IP
 * parser, and core takes no Node modules).
 *
 * @module
 */

/** One allowlist rule: the network's bytes (4 for IPv4, 16 for IPv6) and its prefix length in bits. */
interface IpRule {
  bytes: Uint8Array
  prefix: number
}

/**
 * Builds a predicate telling whether an IP address is in the allowlist. Entries are addresses
 * (`203.0.113.7`, `2001:db8::1`) or CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`); host bits of a range
 * are ignored. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, as Node reports IPv4 clients on a
 * dual-stack socket) match the IPv4 rules, in entries and in checked addresses alike.
 *
 * The predicate accepts bare addresses, `[v6]` brackets and `%zone` suffixes; anything unparsable is
 * not allowed. An empty list allows nothing.
 *
 * @throws {TypeError} naming the first invalid entry.
 */
export function createIpAllowlist(entries: readonly string[]): (ip: string) => boolean {
  const rules = entries.map(parseRule)
  return (ip) => {
    const bytes = parseAddress(stripDecorations(ip))
    if (bytes === null) return false
    const v4 = toIpv4(bytes)
    return rules.some((rule) => {
      if (rule.bytes.length === 4) return v4 !== null && matches(v4, rule)
      // IPv6 rules see IPv4 clients in their mapped form, so `::/0` really means everything.
      return matches(v4 === null ? bytes : mapIpv4(v4), rule)
    })
  }
}

function parseRule(entry: string): IpRule {
  const text = entry.trim()
  const slash = text.indexOf('/')
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash))
  if (address === null) throw invalidEntry(entry, 'not an IPv4 or IPv6 address')
  const max = address.length * 8
  let prefix = max
  if (slash !== -1) {
    const bits = text.slice(slash + 1)
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      throw invalidEntry(entry, `the prefix length must be 0-${max}`)
    }
    prefix = Number(bits)
  }
  // A mapped IPv4 range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps.
  const v4 = toIpv4(address)
  if (v4 !== null && prefix >= 96) return { bytes: v4, prefix: prefix - 96 }
  return { bytes: address, prefix }
}

function invalidEntry(entry: string, why: string): TypeError {
  return new TypeError(`Invalid IP allowlist entry ${JSON.stringify(entry)}: ${why}.`)
}

function matches(address: Uint8Array, rule: IpRule): boolean {
  if (address.length !== rule.bytes.length) return false
  const whole = rule.prefix >>> 3
  for (let i = 0; i < whole; i++) if (address[i] !== rule.bytes[i]) return false
  const rest = rule.prefix & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (address[whole]! & mask) === (rule.bytes[whole]! & mask)
}

function stripDecorations(ip: string): string {
  let text = ip.trim()
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const zone = text.indexOf('%')
  return zone === -1 ? text : text.slice(0, zone)
}

/** 4 bytes for an IPv4 address, 16 for an IPv6 one, or `null`. */
export function parseAddress(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text)
}

// Dotted decimal only, no leading zeros: "010" is octal to some parsers and decimal to others.
const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    if (!IPV4_PART.test(part) || Number(part) > 255) return null
    bytes[i] = Number(part)
  }
  return bytes
}

const IPV6_GROUP = /^[0-9a-f]{1,4}$/i

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] === '' ? [] : halves[0]!.split(':')
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':')
  const groups: number[] = []
  const last = halves.length === 1 ? head : tail
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  let v4Tail: Uint8Array | null = null
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    v4Tail = parseIpv4(last.pop()!)
    if (v4Tail === null) return null
  }
  const explicit = head.length + tail.length + (v4Tail === null ? 0 : 2)
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null
  for (const group of head) {
    if (!IPV6_GROUP.test(group)) return null
    groups.push(Number.parseInt(group, 16))
  }
  for (let i = explicit; i < 8; i++) groups.push(0)
  for (const group of tail) {
    if (!IPV6_GROUP.test(group)) return null
    groups.push(Number.parseInt(group, 16))
  }
  const bytes = new Uint8Array(16)
  for (let i = 0; i < groups.length; i++) {
    bytes[i * 2] = groups[i]! >> 8
    bytes[i * 2 + 1] = groups[i]! & 0xff
  }
  if (v4Tail !== null) bytes.set(v4Tail, 12)
  return bytes
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/** The IPv4 address of a 4-byte address or an IPv4-mapped IPv6 one, else `null`. */
function toIpv4(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length === 4) return bytes
  for (let i = 0; i < 12; i++) if (bytes[i] !== MAPPED_PREFIX[i]) return null
  return bytes.slice(12)
}

function mapIpv4(v4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16)
  bytes.set(MAPPED_PREFIX)
  bytes.set(v4, 12)
  return bytes
}
