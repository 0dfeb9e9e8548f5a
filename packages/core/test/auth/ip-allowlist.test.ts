import { describe, expect, it } from 'vitest'
import { createIpAllowlist } from '../../src/auth/index.ts'

describe('createIpAllowlist', () => {
  it('matches single IPv4 addresses and CIDR ranges', () => {
    const allowed = createIpAllowlist(['203.0.113.7', '10.0.0.0/8', '192.168.1.128/25'])
    expect(allowed('203.0.113.7')).toBe(true)
    expect(allowed('203.0.113.8')).toBe(false)
    expect(allowed('10.255.1.2')).toBe(true)
    expect(allowed('11.0.0.1')).toBe(false)
    expect(allowed('192.168.1.128')).toBe(true)
    expect(allowed('192.168.1.255')).toBe(true)
    expect(allowed('192.168.1.127')).toBe(false)
  })

  it('matches IPv6 addresses and ranges in any notation', () => {
    const allowed = createIpAllowlist(['2001:db8::/32', '::1', 'fe80::/10'])
    expect(allowed('2001:db8::1')).toBe(true)
    expect(allowed('2001:0db8:ffff:0000:0000:0000:0000:0001')).toBe(true)
    expect(allowed('2001:db9::1')).toBe(false)
    expect(allowed('::1')).toBe(true)
    expect(allowed('0:0:0:0:0:0:0:1')).toBe(true)
    expect(allowed('::2')).toBe(false)
    expect(allowed('febf::1')).toBe(true)
    expect(allowed('fec0::1')).toBe(false)
  })

  it('strips brackets and zone ids from checked addresses', () => {
    const allowed = createIpAllowlist(['fe80::/10', '::1'])
    expect(allowed('[::1]')).toBe(true)
    expect(allowed('fe80::1%eth0')).toBe(true)
  })

  it('matches IPv4-mapped IPv6 addresses against IPv4 rules and the other way round', () => {
    const v4 = createIpAllowlist(['1.2.3.0/24'])
    expect(v4('::ffff:1.2.3.4')).toBe(true)
    expect(v4('::ffff:102:304')).toBe(true)
    expect(v4('::FFFF:1.2.4.4')).toBe(false)
    const mapped = createIpAllowlist(['::ffff:10.0.0.0/104'])
    expect(mapped('10.9.8.7')).toBe(true)
    expect(mapped('11.0.0.0')).toBe(false)
    // An IPv4 address is not the IPv6 address ::1.2.3.4 (IPv4-compatible, deprecated).
    expect(createIpAllowlist(['::1.2.3.4'])('1.2.3.4')).toBe(false)
  })

  it('handles the /0 and full-length edges', () => {
    expect(createIpAllowlist(['0.0.0.0/0'])('255.255.255.255')).toBe(true)
    expect(createIpAllowlist(['0.0.0.0/0'])('::1')).toBe(false)
    const everything = createIpAllowlist(['::/0'])
    expect(everything('2001:db8::1')).toBe(true)
    expect(everything('8.8.8.8')).toBe(true)
    expect(createIpAllowlist(['1.2.3.4/32'])('1.2.3.4')).toBe(true)
    expect(createIpAllowlist(['2001:db8::1/128'])('2001:db8::2')).toBe(false)
  })

  it('ignores host bits of a range', () => {
    expect(createIpAllowlist(['10.1.2.3/8'])('10.200.0.1')).toBe(true)
  })

  it('allows nothing when empty, and nothing unparsable', () => {
    expect(createIpAllowlist([])('127.0.0.1')).toBe(false)
    const allowed = createIpAllowlist(['0.0.0.0/0', '::/0'])
    for (const junk of [
      '',
      'localhost',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.4:80',
      '::g',
      '1::2::3',
      '01.2.3.4',
    ]) {
      expect(allowed(junk)).toBe(false)
    }
  })

  it.each([
    ['', 'not an IPv4 or IPv6 address'],
    ['10.0.0.0/33', 'prefix length must be 0-32'],
    ['2001:db8::/129', 'prefix length must be 0-128'],
    ['10.0.0.0/', 'prefix length'],
    ['10.0.0.0/-1', 'prefix length'],
    ['999.1.1.1', 'not an IPv4'],
    ['1.2.3.04', 'not an IPv4'],
    ['2001:db8:::1', 'not an IPv4'],
    ['1:2:3:4:5:6:7:8:9', 'not an IPv4'],
    ['1:2:3:4:5:6:7', 'not an IPv4'],
    ['fe80::1%eth0', 'not an IPv4'],
    ['example.com', 'not an IPv4'],
  ])('refuses the entry %j naming it', (entry, why) => {
    expect(() => createIpAllowlist(['127.0.0.1', entry])).toThrow(TypeError)
    expect(() => createIpAllowlist(['127.0.0.1', entry])).toThrow(
      `Invalid IP allowlist entry ${JSON.stringify(entry)}`,
    )
    expect(() => createIpAllowlist([entry])).toThrow(why)
  })

  it('parses the full and compressed forms of one address alike', () => {
    const forms = ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '2001:0db8:0000:0000:0001:0000:0000:0001']
    for (const entry of forms) {
      const allowed = createIpAllowlist([entry])
      for (const form of forms) expect(allowed(form)).toBe(true)
      expect(allowed('2001:db8::1:0:0:2')).toBe(false)
    }
    expect(createIpAllowlist(['1:2:3:4:5:6:1.2.3.4'])('1:2:3:4:5:6:102:304')).toBe(true)
  })
})
