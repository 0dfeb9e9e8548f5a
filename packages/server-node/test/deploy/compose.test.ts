import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ENV_VARIABLES } from '../../src/config/env.ts'
import { parseStoreUrl } from '../../src/config/store-url.ts'
import { type ComposeDocument, composeForOlderEngine } from './older-engine.ts'
import { composeDir } from './paths.ts'

interface ComposeHealthcheck {
  test: string[]
  interval: string
  timeout: string
  start_period: string
  start_interval?: string
  retries: number
}

interface ComposeService {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  restart?: string
  env_file?: string | string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: string[] | Record<string, { condition: string }>
  healthcheck?: ComposeHealthcheck
  deploy?: { replicas?: number }
}

interface ComposeFile {
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
}

/** Parses a compose file the way Compose does, YAML merge keys (`<<: *keygram`) included. */
function loadCompose(file: string): ComposeFile {
  return parse(readFileSync(join(composeDir, file), 'utf8'), { merge: true }) as ComposeFile
}

function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name]
  if (!found) throw new Error(`service ${name} is missing`)
  return found
}

function dependencies(target: ComposeService): Record<string, string> {
  const dependsOn = target.depends_on ?? []
  return Array.isArray(dependsOn)
    ? Object.fromEntries(dependsOn.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(dependsOn).map(([name, { condition }]) => [name, condition]))
}

/** What a filled-in `.env` holds, for interpolating `${VAR}` references the way Compose does. */
const SAMPLE_ENV: Record<string, string> = {
  TELEGRAM_BOT_TOKEN: '123456789:sample-token',
  KEYGRAM_WEBHOOK_SECRET: 'sample-webhook-secret',
  POSTGRES_PASSWORD: '0123456789abcdef0123456789abcdef',
}

/**
 * Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}`: throws with the error message
 * when a required variable is unset or empty, as `docker compose up` refuses to start then.
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op, rest) => {
    const found = env[name] ?? ''
    if (found !== '') return found
    if (op === ':?') throw new Error(`${name}: ${rest}`)
    return op === ':-' ? rest : ''
  })
}

/** The names of the `.env.example` lines, commented-out ones included. */
function envExampleNames(): string[] {
  const text = readFileSync(join(composeDir, '.env.example'), 'utf8')
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? '')
}

/** Variables a compose file itself reads (`${NAME}`), such as the PostgreSQL variant's password. */
function composeOnlyVariables(): string[] {
  const names = new Set<string>()
  for (const file of readdirSync(composeDir).filter((name) => /^docker-compose.*\.yml$/.test(name))) {
    const text = readFileSync(join(composeDir, file), 'utf8')
    for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) names.add(match[1] ?? '')
  }
  for (const variable of ENV_VARIABLES) names.delete(variable.name)
  return [...names]
}

const knownVariables = new Set([...ENV_VARIABLES.map((variable) => variable.name), ...composeOnlyVariables()])
const secretVariables = [
  ...ENV_VARIABLES.filter((variable) => variable.secret).map((variable) => variable.name),
  // The compose files read only passwords of their own.
  ...composeOnlyVariables(),
]

const HEALTH = {
  'webhook-server': { port: '9000', interval: '60s', start_period: '30s', retries: 5 },
  'telegram-bot': { port: '9001', interval: '60s', start_period: '60s', retries: 5 },
} as const

/** What each proxy publishes: nginx TLS only; Caddy also 80 (the ACME challenge, the redirect) and HTTP/3. */
const PROXY_PORTS = { nginx: ['443:443'], caddy: ['80:80', '443:443', '443:443/udp'] } as const

describe.each([
  ['docker-compose.yml', 'sqlite', 'nginx'],
  ['docker-compose.redis.yml', 'redis', 'nginx'],
  ['docker-compose.postgres.yml', 'postgres', 'nginx'],
  ['docker-compose.caddy.yml', 'sqlite', 'caddy'],
] as const)('%s', (file, storeKind, proxy) => {
  const compose = loadCompose(file)

  it('runs each role with its serve command', () => {
    expect(service(compose, 'webhook-server').command).toEqual(['serve', '--role', 'webhook'])
    expect(service(compose, 'telegram-bot').command).toEqual(['serve', '--role', 'bot'])
  })

  it.each(Object.entries(HEALTH))('checks %s health exactly as the seed settled', (name, expected) => {
    const healthcheck = service(compose, name).healthcheck
    expect(healthcheck).toBeDefined()
    expect(healthcheck?.test).toEqual(['CMD', 'node', '/app/healthcheck.mjs', expected.port])
    expect(healthcheck?.interval).toBe(expected.interval)
    expect(healthcheck?.start_period).toBe(expected.start_period)
    expect(healthcheck?.retries).toBe(expected.retries)
    // Starting containers turn healthy within seconds, so the bot does not wait a whole interval.
    expect(healthcheck?.start_interval).toBe('5s')
    // The check must give up before the next one is due.
    expect(Number.parseInt(healthcheck?.timeout ?? '', 10)).toBeLessThan(60)
  })

  it('restarts every service unless stopped', () => {
    for (const [name, target] of Object.entries(compose.services)) {
      expect(target.restart, name).toBe('unless-stopped')
    }
  })

  it('starts the bot after the webhook server is healthy', () => {
    expect(dependencies(service(compose, 'telegram-bot'))['webhook-server']).toBe('service_healthy')
    expect(dependencies(service(compose, proxy))).toHaveProperty('webhook-server')
  })

  it(`checks ${proxy}'s health on the container's own loopback, with the image's wget`, () => {
    const healthcheck = service(compose, proxy).healthcheck
    const [kind, tool, ...args] = healthcheck?.test ?? []
    expect([kind, tool]).toEqual(['CMD', 'wget'])
    expect(args.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    expect(healthcheck?.start_interval).toBeDefined()
    expect(healthcheck?.retries).toBeGreaterThanOrEqual(1)
  })

  it('listens on the ports the server is told to use', () => {
    for (const name of ['webhook-server', 'telegram-bot']) {
      const environment = service(compose, name).environment ?? {}
      expect(environment.WEBHOOK_PORT, name).toBe('9000')
      expect(environment.BOT_PORT, name).toBe('9001')
    }
  })

  it('builds both roles from the repository Dockerfile into one image', () => {
    const images = new Set<string | undefined>()
    for (const name of ['webhook-server', 'telegram-bot']) {
      const target = service(compose, name)
      images.add(target.image)
      const context = resolve(composeDir, target.build?.context ?? '.')
      expect(existsSync(join(context, target.build?.dockerfile ?? 'Dockerfile')), name).toBe(true)
      expect(existsSync(join(context, 'pnpm-lock.yaml')), name).toBe(true)
    }
    expect(images.size).toBe(1)
  })

  it(`uses the ${storeKind} store`, () => {
    for (const name of ['webhook-server', 'telegram-bot']) {
      const url = interpolate(service(compose, name).environment?.KEYGRAM_STORE ?? '', SAMPLE_ENV)
      const parsed = parseStoreUrl(url)
      expect(parsed.ok && parsed.store.kind, name).toBe(storeKind)
    }
  })

  it('passes only variables the server reads, and requires the token and the secret', () => {
    for (const name of ['webhook-server', 'telegram-bot']) {
      const target = service(compose, name)
      expect(target.env_file).toBe('.env')
      const environment = target.environment ?? {}
      for (const key of Object.keys(environment)) expect(knownVariables, `${name} ${key}`).toContain(key)
      // `${VAR:?message}`: Compose refuses to start without them rather than run the bot in demo mode.
      expect(environment.TELEGRAM_BOT_TOKEN).toMatch(/^\$\{TELEGRAM_BOT_TOKEN:\?.+\}$/)
      expect(environment.KEYGRAM_WEBHOOK_SECRET).toMatch(/^\$\{KEYGRAM_WEBHOOK_SECRET:\?.+\}$/)
      for (const secret of secretVariables) {
        const value = environment[secret]
        if (value !== undefined) expect(value, `${secret} must come from .env`).toMatch(/^\$\{/)
      }
    }
  })

  it(`exposes nothing but ${proxy} to the outside`, () => {
    expect(service(compose, proxy).ports).toEqual(PROXY_PORTS[proxy])
    for (const [name, target] of Object.entries(compose.services)) {
      if (name === proxy) continue
      for (const port of target.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/)
    }
  })

  it(`mounts ${proxy}'s configuration from this folder`, () => {
    const volumes = service(compose, proxy).volumes ?? []
    const mounts =
      proxy === 'nginx'
        ? ['./nginx/keygram.conf:/etc/nginx/conf.d/default.conf:ro', './certs:/etc/nginx/certs:ro']
        : ['./caddy/Caddyfile:/etc/caddy/Caddyfile:ro']
    for (const mount of mounts) {
      expect(volumes).toContain(mount)
      const source = mount.split(':')[0] ?? ''
      if (source !== './certs') expect(existsSync(join(composeDir, source)), source).toBe(true)
    }
  })

  it('runs on Docker Engine 20.10 / docker-compose 1.29 with only the documented changes', () => {
    const older = composeForOlderEngine(compose as unknown as ComposeDocument)
    expect(older).not.toHaveProperty('name')
    for (const [name, target] of Object.entries(compose.services)) {
      const olderCheck = older.services[name]?.healthcheck
      if (!target.healthcheck) continue
      // Probing every start_interval, as a current engine does until the first success.
      const { start_interval, ...rest } = target.healthcheck
      expect(olderCheck, name).toEqual({ ...rest, interval: start_interval ?? rest.interval })
    }
    const withoutHealth = (document: Record<string, unknown>) =>
      JSON.stringify(document, (key, value) => (key === 'healthcheck' || key === 'name' ? undefined : value))
    expect(withoutHealth(older)).toEqual(withoutHealth(compose as unknown as Record<string, unknown>))
  })
})

describe('docker-compose.yml (SQLite)', () => {
  const compose = loadCompose('docker-compose.yml')

  it('has exactly the two roles and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'telegram-bot', 'webhook-server'])
  })

  it('shares one data volume holding the SQLite file', () => {
    expect(compose.volumes).toHaveProperty('keygram-data')
    for (const name of ['webhook-server', 'telegram-bot']) {
      const target = service(compose, name)
      expect(target.volumes, name).toContain('keygram-data:/data')
      const parsed = parseStoreUrl(target.environment?.KEYGRAM_STORE ?? '')
      expect(parsed.ok && parsed.store.kind === 'sqlite' && parsed.store.path, name).toBe('/data/keygram.db')
    }
  })

  it('publishes each role on its own port, on loopback only', () => {
    expect(service(compose, 'webhook-server').ports).toEqual(['127.0.0.1:9000:9000'])
    // A range starting at 9001: a second bot container can start beside the first during a handover.
    expect(service(compose, 'telegram-bot').ports).toEqual(['127.0.0.1:9001-9002:9001'])
  })
})

describe('docker-compose.caddy.yml (automatic HTTPS)', () => {
  const compose = loadCompose('docker-compose.caddy.yml')
  const caddy = service(compose, 'caddy')
  const caddyfile = readFileSync(join(composeDir, 'caddy', 'Caddyfile'), 'utf8')

  it('is the standard deployment with Caddy in place of nginx, in the same project and volume', () => {
    const standard = loadCompose('docker-compose.yml')
    expect(Object.keys(compose.services).sort()).toEqual(['caddy', 'telegram-bot', 'webhook-server'])
    for (const name of ['webhook-server', 'telegram-bot'])
      expect(service(compose, name)).toEqual(service(standard, name))
    expect((compose as unknown as { name: string }).name).toBe((standard as unknown as { name: string }).name)
    expect(compose.volumes).toHaveProperty('keygram-data')
  })

  it('requires the domain, and keeps certificates and the ACME account on volumes', () => {
    expect(caddy.image).toBe('caddy:2')
    expect(caddy.environment?.KEYGRAM_DOMAIN).toMatch(/^\$\{KEYGRAM_DOMAIN:\?.+\}$/)
    expect(() => interpolate(caddy.environment?.KEYGRAM_DOMAIN ?? '', {})).toThrow(/KEYGRAM_DOMAIN/)
    expect(caddy.volumes).toEqual(expect.arrayContaining(['caddy-data:/data', 'caddy-config:/config']))
    expect(compose.volumes).toHaveProperty('caddy-data')
    expect(compose.volumes).toHaveProperty('caddy-config')
  })

  it('serves the domain, forwards only the webhook endpoint to webhook-server:9000, answers 404 otherwise', () => {
    const active = caddyfile
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean)
    expect(active[0]).toBe('{$KEYGRAM_DOMAIN} {')
    expect(active).toContain('@keycrm path /webhooks/keycrm /webhooks/keycrm/*')
    expect(active.filter((line) => line.startsWith('reverse_proxy'))).toEqual([
      'reverse_proxy webhook-server:9000',
    ])
    expect(active.join('\n')).toMatch(
      /handle @keycrm \{\nreverse_proxy webhook-server:9000\n\}\nhandle \{\nrespond 404\n\}/,
    )
    // No access log: the secret in the webhook URL is never written.
    expect(active.some((line) => /^log\b/.test(line))).toBe(false)
  })

  it('accepts the largest body the server accepts: a stock-balance import of up to 4 MiB', () => {
    const stockLimit = ENV_VARIABLES.find((variable) => variable.name === 'KEYGRAM_MAX_STOCK_BODY_BYTES')
    const maxSize = /max_size (\d+)MiB/.exec(caddyfile)?.[1]
    expect(Number(maxSize) * 1_048_576).toBe(Number(stockLimit?.default))
  })
})

describe('docker-compose.redis.yml (two replicas)', () => {
  const compose = loadCompose('docker-compose.redis.yml')

  it('has the two roles, Redis and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'redis', 'telegram-bot', 'webhook-server'])
  })

  it('runs two replicas of each role on redis://redis:6379', () => {
    for (const name of ['webhook-server', 'telegram-bot']) {
      const target = service(compose, name)
      expect(target.deploy?.replicas, name).toBe(2)
      expect(target.environment?.KEYGRAM_STORE, name).toBe('redis://redis:6379')
      // A fixed host port cannot be bound twice; nginx reaches the replicas by service name.
      expect(target.ports, name).toBeUndefined()
      expect(dependencies(target).redis, name).toBe('service_healthy')
    }
  })

  it('keeps Redis durable: append-only, fsynced, never evicting queued jobs', () => {
    const redis = service(compose, 'redis')
    expect(redis.command).toEqual(
      expect.arrayContaining([
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
      ]),
    )
    expect(redis.volumes).toContain('redis-data:/data')
    expect(compose.volumes).toHaveProperty('redis-data')
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
  })
})

describe('docker-compose.postgres.yml (two replicas)', () => {
  const compose = loadCompose('docker-compose.postgres.yml')
  const postgres = service(compose, 'postgres')

  it('has the two roles, PostgreSQL and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'nginx',
      'postgres',
      'telegram-bot',
      'webhook-server',
    ])
  })

  it('runs two replicas of each role on the postgres service, started once it is healthy', () => {
    for (const name of ['webhook-server', 'telegram-bot']) {
      const target = service(compose, name)
      expect(target.deploy?.replicas, name).toBe(2)
      const url = new URL(interpolate(target.environment?.KEYGRAM_STORE ?? '', SAMPLE_ENV))
      expect(`${url.protocol}//${url.username}@${url.host}${url.pathname}`, name).toBe(
        'postgres://keygram@postgres:5432/keygram',
      )
      // A fixed host port cannot be bound twice; nginx reaches the replicas by service name.
      expect(target.ports, name).toBeUndefined()
      expect(dependencies(target).postgres, name).toBe('service_healthy')
    }
  })

  it('keeps the database password in .env, the same for the database and the store URL', () => {
    expect(postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/)
    expect(() => interpolate(postgres.environment?.POSTGRES_PASSWORD ?? '', {})).toThrow(/POSTGRES_PASSWORD/)
    for (const name of ['webhook-server', 'telegram-bot']) {
      const url = new URL(interpolate(service(compose, name).environment?.KEYGRAM_STORE ?? '', SAMPLE_ENV))
      expect(url.password, name).toBe(SAMPLE_ENV.POSTGRES_PASSWORD)
    }
    expect(postgres.environment?.POSTGRES_USER).toBe('keygram')
    expect(postgres.environment?.POSTGRES_DB).toBe('keygram')
  })

  it('runs postgres:17 on a volume, unpublished, with a pg_isready health check over TCP', () => {
    expect(postgres.image).toBe('postgres:17')
    expect(postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data')
    expect(compose.volumes).toHaveProperty('postgres-data')
    expect(postgres.ports).toBeUndefined()
    const test = postgres.healthcheck?.test ?? []
    expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready'])
    expect(test.join(' ')).toContain('-h 127.0.0.1 -U keygram -d keygram')
    expect(postgres.healthcheck?.retries).toBeGreaterThanOrEqual(1)
  })
})

describe('.env.example', () => {
  const text = readFileSync(join(composeDir, '.env.example'), 'utf8')

  it('names only variables the server or a compose file reads, and the required ones', () => {
    const names = envExampleNames()
    expect(names).toEqual(
      expect.arrayContaining(['TELEGRAM_BOT_TOKEN', 'KEYGRAM_WEBHOOK_SECRET', 'KEYGRAM_CHAT_ID']),
    )
    for (const name of names) expect(knownVariables, name).toContain(name)
  })

  it('holds no real secret', () => {
    for (const match of text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/gm)) {
      const [, name = '', value = ''] = match
      if (secretVariables.includes(name)) expect(value.trim(), name).toBe('')
    }
    // A bot token looks like 123456789:AA... (35 characters after the colon).
    expect(text).not.toMatch(/\d{6,}:[A-Za-z0-9_-]{30,}/)
  })

  it('leaves the deployment-fixed variables to the compose file', () => {
    const fixed = Object.keys(
      service(loadCompose('docker-compose.yml'), 'webhook-server').environment ?? {},
    ).filter((name) => !secretVariables.includes(name))
    const uncommented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1])
    for (const name of fixed) expect(uncommented, name).not.toContain(name)
  })
})
