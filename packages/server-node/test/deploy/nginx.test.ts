import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ENV_VARIABLES } from '../../src/config/env.ts'
import { directivesNamed, type NginxDirective, parseNginx } from './parse-nginx.ts'
import { composeDir } from './paths.ts'

const config = parseNginx(readFileSync(join(composeDir, 'nginx', 'keygram.conf'), 'utf8'))

function only(directives: NginxDirective[], name: string): NginxDirective {
  const found = directivesNamed(directives, name)
  expect(found, name).toHaveLength(1)
  return found[0] as NginxDirective
}

function argsOf(directives: NginxDirective[], name: string): string[] {
  return only(directives, name).args
}

const servers = directivesNamed(config, 'server')
/** The public server: TLS on 443. */
const server = servers.find((candidate) => listensOn(candidate, '443'))?.block ?? []
/** The health check's server, on the container's loopback. */
const health = servers.find((candidate) => listensOn(candidate, '127.0.0.1:8080'))?.block ?? []

function listensOn(candidate: NginxDirective, address: string): boolean {
  return directivesNamed(candidate.block ?? [], 'listen').some((listen) => listen.args[0] === address)
}
const locations = directivesNamed(server, 'location')
const proxied = locations.filter((location) => directivesNamed(location.block ?? [], 'proxy_pass').length > 0)

/** Resolves `http://$name` through the server's `set $name value;` directives. */
function upstreamOf(location: NginxDirective): string {
  const target = argsOf(location.block ?? [], 'proxy_pass')[0] ?? ''
  return target.replace(/\$([a-z_]+)/g, (_, variable: string) => {
    const set = directivesNamed(server, 'set').find((directive) => directive.args[0] === `$${variable}`)
    return set?.args[1] ?? `$${variable}`
  })
}

describe('nginx/keygram.conf', () => {
  it('has the public TLS server and a loopback-only one for the health check, nothing else', () => {
    expect(servers).toHaveLength(2)
    expect(directivesNamed(health, 'listen').map((listen) => listen.args)).toEqual([['127.0.0.1:8080']])
    const healthLocations = directivesNamed(health, 'location')
    expect(healthLocations.map((location) => location.args)).toEqual([['=', '/healthz'], ['/']])
    expect(healthLocations[0]?.block).toEqual([{ name: 'return', args: ['200', 'ok\\n'], block: null }])
    expect(healthLocations[1]?.block).toEqual([{ name: 'return', args: ['404'], block: null }])
    expect(
      healthLocations.some((location) => directivesNamed(location.block ?? [], 'proxy_pass').length > 0),
    ).toBe(false)
  })

  it('terminates TLS on 443 and nowhere else', () => {
    expect(directivesNamed(server, 'listen').map((listen) => listen.args)).toEqual([['443', 'ssl']])
    expect(argsOf(server, 'ssl_certificate')[0]).toMatch(/^\/etc\/nginx\/certs\//)
    expect(argsOf(server, 'ssl_certificate_key')[0]).toMatch(/^\/etc\/nginx\/certs\//)
    expect(argsOf(server, 'ssl_protocols')).toEqual(['TLSv1.2', 'TLSv1.3'])
  })

  it('forwards only the webhook endpoint, to webhook-server:9000', () => {
    expect(proxied.map((location) => location.args)).toEqual([
      ['^~', '/webhooks/keycrm/'],
      ['=', '/webhooks/keycrm'],
    ])
    for (const location of proxied) {
      // No URI part after the host: nginx passes the request path unchanged, secret included.
      expect(upstreamOf(location)).toBe('http://webhook-server:9000')
      const headers = directivesNamed(location.block ?? [], 'proxy_set_header').map((header) => header.args)
      expect(headers).toContainEqual(['X-Forwarded-Proto', 'https'])
    }
  })

  it('answers 404 for everything else, health and metrics included', () => {
    const fallback = locations.find((location) => location.args.join(' ') === '/')
    expect(fallback?.block).toEqual([{ name: 'return', args: ['404'], block: null }])
    expect(locations).toHaveLength(proxied.length + 1)
  })

  it("re-resolves through Docker's DNS so recreated containers and replicas are reached", () => {
    expect(argsOf(server, 'resolver')[0]).toBe('127.0.0.11')
  })

  it('accepts the largest body the server accepts: a stock-balance import of up to 4 MiB', () => {
    const stockLimit = ENV_VARIABLES.find((variable) => variable.name === 'KEYGRAM_MAX_STOCK_BODY_BYTES')
    expect(argsOf(server, 'client_max_body_size')).toEqual([`${Number(stockLimit?.default) / 1_048_576}m`])
  })

  it('never writes the webhook secret to the access log', () => {
    const [path, format] = argsOf(server, 'access_log')
    expect(path).toBe('/var/log/nginx/access.log')
    const logFormat = directivesNamed(config, 'log_format').find((directive) => directive.args[0] === format)
    const formatText = logFormat?.args.slice(1).join('') ?? ''
    expect(formatText).not.toMatch(/\$request(?![_a-z])|\$request_uri|\$args|\$query_string|\$uri/)

    const map = only(config, 'map')
    expect(map.args[0]).toBe('$uri')
    const loggedVariable = map.args[1] ?? ''
    expect(formatText).toContain(loggedVariable)
    // Apply the map as nginx would (regex entries first, then the default) to a real webhook path.
    const entries = (map.block ?? []).map((entry) => ({ key: entry.name, value: entry.args[0] ?? '' }))
    const logged = (uri: string): string => {
      for (const { key, value } of entries) {
        if (key.startsWith('~') && new RegExp(key.slice(1)).test(uri)) return value
      }
      const fallback = entries.find(({ key }) => key === 'default')?.value ?? ''
      return fallback === '$uri' ? uri : fallback
    }
    const secret = 'f3a9c1d2e4b5a6978877665544332211'
    expect(logged(`/webhooks/keycrm/${secret}`)).not.toContain(secret)
    expect(logged(`/webhooks/keycrm/${secret}`)).toMatch(/^\/webhooks\/keycrm\//)
    expect(logged('/favicon.ico')).toBe('/favicon.ico')
  })
})
