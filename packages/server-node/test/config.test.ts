import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  DEMO_WEBHOOK_SECRET,
  describeStore,
  loadConfig,
  parseStoreUrl,
  resolveConfig,
} from '../src/config/index.ts'
import { configSecrets } from '../src/logging/secrets.ts'

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
const SECRET = 'f3a9c1d27b8e4f60a1b2c3d4e5f60718'

function problemsOf(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems]
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('resolveConfig', () => {
  it('runs in demo mode with no configuration at all', () => {
    const config = resolveConfig(undefined, {})
    expect(config.demo).toBe(true)
    expect(config.botToken).toBeNull()
    expect(config.webhookSecret).toBe(DEMO_WEBHOOK_SECRET)
    expect(config.demoSecret).toBe(true)
    expect(config.store).toEqual({ kind: 'sqlite', path: './data/keygram.db' })
    expect(config.webhookPort).toBe(9000)
    expect(config.botPort).toBe(9001)
    expect(config.format.locale).toBe('uk')
    expect(config.framework).toBe('grammy')
    expect(config.log.format).toBe('json') // not a terminal
  })

  it('reads every documented variable', () => {
    const config = resolveConfig(undefined, {
      TELEGRAM_BOT_TOKEN: TOKEN,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: '-1001234567890',
      KEYGRAM_STORE: 'redis://:pw@127.0.0.1:6379/2',
      KEYGRAM_LOCALE: 'en',
      KEYGRAM_CURRENCY: 'eur',
      KEYGRAM_TIME_ZONE: 'Europe/Warsaw',
      KEYCRM_DOMAIN: 'myshop.keycrm.app',
      KEYCRM_API_KEY: 'crm-key-0123456789abcdef',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
      WEBHOOK_PORT: '8000',
      BOT_PORT: '8001',
      KEYGRAM_BOT_FRAMEWORK: 'telegraf',
      KEYGRAM_ADMINS: '111, 222',
      KEYGRAM_RATE_LIMIT: '10',
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'warn',
    })
    expect(config.demo).toBe(false)
    expect(config.routes).toEqual([{ chatId: '-1001234567890' }])
    expect(config.store).toEqual({ kind: 'redis', url: 'redis://:pw@127.0.0.1:6379/2' })
    expect(config.format).toMatchObject({
      locale: 'en',
      currency: 'EUR',
      timeZone: 'Europe/Warsaw',
      keycrmDomain: 'myshop.keycrm.app',
    })
    expect(config.telegramApiRoot).toBe('http://127.0.0.1:8081')
    expect([config.webhookPort, config.botPort]).toEqual([8000, 8001])
    expect(config.framework).toBe('telegraf')
    expect(config.admins).toEqual(['111', '222'])
    expect(config.limits.globalPerSecond).toBe(10)
    expect(config.url).toBe('http://127.0.0.1:8000')
    expect(config.log).toEqual({ format: 'pretty', level: 'warn' })
  })

  it('lets the environment win over the config file, field by field', () => {
    const config = resolveConfig(
      { locale: 'ru', currency: 'USD', routes: [{ chatId: 555555, kinds: ['order_status'], threadId: 7 }] },
      { KEYGRAM_LOCALE: 'en' },
    )
    expect(config.format.locale).toBe('en')
    expect(config.format.currency).toBe('USD')
    expect(config.routes).toEqual([{ chatId: '555555', kinds: ['order_status'], threadId: 7 }])
  })

  it('reports every problem at once, one clear line each, naming the variable', () => {
    const problems = problemsOf(() =>
      resolveConfig(
        {
          routes: [{ chatId: 'nope', kinds: ['order_created'] }],
          limits: { globalPerSecond: -1 },
          colour: 'red',
        },
        {
          TELEGRAM_BOT_TOKEN: TOKEN,
          KEYGRAM_STORE: 'mongodb://u:p@db/keygram',
          KEYGRAM_LOCALE: 'de',
          WEBHOOK_PORT: '99999',
          KEYGRAM_TIME_ZONE: 'Mars/Olympus',
          KEYGRAM_CHAT_ID: 'general',
        },
        { configFileLabel: 'keygram.config.ts' },
      ),
    )
    expect(problems).toHaveLength(10)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KEYGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set/),
        expect.stringMatching(/^KEYGRAM_STORE: unknown store scheme "mongodb:"/),
        expect.stringMatching(/^KEYGRAM_LOCALE must be one of uk, en, ru/),
        expect.stringMatching(/^WEBHOOK_PORT must be a whole number from 0 to 65535/),
        expect.stringMatching(/^KEYGRAM_TIME_ZONE must be an IANA time zone/),
        expect.stringMatching(/^KEYGRAM_CHAT_ID must be a numeric chat id/),
        expect.stringMatching(/^keygram\.config\.ts: routes\[0\]\.chatId/),
        expect.stringMatching(/^keygram\.config\.ts: routes\[0\]\.kinds\[0\]: expected one of order_status/),
        expect.stringMatching(/^keygram\.config\.ts: limits\.globalPerSecond must be a number >= 0/),
        expect.stringMatching(/^keygram\.config\.ts: unknown option "colour"; valid options: botToken, /),
      ]),
    )
  })

  it('never echoes a token, secret or store password in a problem', () => {
    const badToken = '123456789:short'
    const problems = problemsOf(() =>
      resolveConfig(undefined, {
        TELEGRAM_BOT_TOKEN: badToken,
        KEYGRAM_WEBHOOK_SECRET: 'short secret!',
        KEYGRAM_STORE: 'postgres://user:hunter2hunter2@db:no-port/keygram',
      }),
    )
    const text = problems.join('\n')
    expect(problems).toHaveLength(3)
    for (const secret of [badToken, 'short secret!', 'hunter2hunter2']) expect(text).not.toContain(secret)
  })

  it('reads the bot start grace from KEYGRAM_BOT_START_GRACE_SECONDS or the file, 60 s by default', () => {
    expect(resolveConfig(undefined, {}).botStartGraceMs).toBe(60_000)
    expect(resolveConfig(undefined, { KEYGRAM_BOT_START_GRACE_SECONDS: '180' }).botStartGraceMs).toBe(180_000)
    expect(resolveConfig(undefined, { KEYGRAM_BOT_START_GRACE_SECONDS: '0' }).botStartGraceMs).toBe(0)
    expect(resolveConfig({ botStartGraceSeconds: 3600 }, {}).botStartGraceMs).toBe(3_600_000)
  })

  it.each(['3601', '-5', '1.5', 'soon'])(
    'refuses KEYGRAM_BOT_START_GRACE_SECONDS=%s, naming the variable',
    (value) => {
      expect(problemsOf(() => resolveConfig(undefined, { KEYGRAM_BOT_START_GRACE_SECONDS: value }))).toEqual([
        'KEYGRAM_BOT_START_GRACE_SECONDS must be a whole number from 0 to 3600',
      ])
    },
  )

  it('refuses a bad botStartGraceSeconds in the config file, naming the field', () => {
    expect(
      problemsOf(() =>
        resolveConfig({ botStartGraceSeconds: 7200 }, {}, { configFileLabel: 'keygram.config.ts' }),
      ),
    ).toEqual(['keygram.config.ts: botStartGraceSeconds must be a whole number from 0 to 3600'])
  })

  it('refuses the same port for both servers', () => {
    expect(problemsOf(() => resolveConfig(undefined, { WEBHOOK_PORT: '9100', BOT_PORT: '9100' }))[0]).toMatch(
      /both 9100/,
    )
  })
})

describe('parseStoreUrl', () => {
  it('knows sqlite, redis, postgres and memory, and refuses the rest clearly', () => {
    expect(parseStoreUrl('sqlite:./data/keygram.db')).toEqual({
      ok: true,
      store: { kind: 'sqlite', path: './data/keygram.db' },
    })
    expect(parseStoreUrl('sqlite:///var/lib/keygram.db')).toEqual({
      ok: true,
      store: { kind: 'sqlite', path: '/var/lib/keygram.db' },
    })
    expect(parseStoreUrl('rediss://h:6380')).toEqual({
      ok: true,
      store: { kind: 'redis', url: 'rediss://h:6380' },
    })
    expect(parseStoreUrl('memory:')).toEqual({ ok: true, store: { kind: 'memory' } })
    expect(parseStoreUrl('sqlite:')).toMatchObject({ ok: false })
    expect(parseStoreUrl('redis://')).toMatchObject({ ok: false })
    expect(parseStoreUrl('mongodb://x')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/unknown store scheme "mongodb:"/),
    })
    expect(parseStoreUrl('postgres://keygram:pw@db:5432/keygram?sslmode=require')).toEqual({
      ok: true,
      store: { kind: 'postgres', url: 'postgres://keygram:pw@db:5432/keygram?sslmode=require' },
    })
    expect(parseStoreUrl('postgresql://x')).toEqual({
      ok: true,
      store: { kind: 'postgres', url: 'postgresql://x' },
    })
    const malformed = parseStoreUrl('postgres://u:hunter2hunter2@db:no-port/x')
    expect(malformed).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/PostgreSQL URL is malformed/),
    })
    expect(JSON.stringify(malformed)).not.toContain('hunter2hunter2')
  })

  it('is read from KEYGRAM_STORE, and a postgres URL is described without its password', () => {
    const config = resolveConfig(undefined, { KEYGRAM_STORE: 'postgresql://keygram:s3cret@db/keygram' })
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgresql://keygram:s3cret@db/keygram' })
    expect(describeStore(config.store)).toBe('postgresql://keygram:***@db/keygram')
    expect(describeStore({ kind: 'postgres', url: 'postgres://db/k?password=s3cret&sslmode=require' })).toBe(
      'postgres://db/k?password=***&sslmode=require',
    )
    expect(configSecrets(config)).toContain('s3cret')
  })
})

describe('loadConfig', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('reads .env and keygram.config.ts; the real environment wins over .env', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await writeFile(
      join(dir, '.env'),
      `TELEGRAM_BOT_TOKEN=${TOKEN}\nKEYGRAM_WEBHOOK_SECRET=${SECRET}\nKEYGRAM_LOCALE=ru\n`,
    )
    await writeFile(
      join(dir, 'keygram.config.ts'),
      `const routes: { chatId: number; threadId?: number }[] = [{ chatId: -1001234567890, threadId: 3 }]\nexport default { routes, webhookPort: 9100 }\n`,
    )
    const env: Record<string, string | undefined> = { KEYGRAM_LOCALE: 'en' }
    const config = await loadConfig({ cwd: dir, env })
    expect(config.botToken).toBe(TOKEN)
    expect(config.webhookSecret).toBe(SECRET)
    expect(config.format.locale).toBe('en')
    expect(config.routes).toEqual([{ chatId: '-1001234567890', threadId: 3 }])
    expect(config.webhookPort).toBe(9100)
    expect(config.configFile).toBe(join(dir, 'keygram.config.ts'))
  })

  it('names the config file in its problems', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await writeFile(join(dir, 'keygram.config.ts'), 'export default { locale: "xx" }\n')
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(
      /keygram\.config\.ts: locale must be one of uk, en, ru/,
    )
  })

  it('loads a config written as the README shows, importing @keygram/server-node and @keygram/core, in a folder without node_modules', async () => {
    // The folder of a fresh clone before any build, or of the Docker image: nothing to resolve the imports
    // from but the running server itself.
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await writeFile(
      join(dir, 'keygram.config.ts'),
      [
        "import { defineKeygramConfig, type KeygramUserConfig } from '@keygram/server-node'",
        "import { escapeHtml } from '@keygram/core'",
        "const routes: KeygramUserConfig['routes'] = [{ chatId: -1001234567890 }]",
        "export default defineKeygramConfig({ routes, format: { templates: { order_status: () => escapeHtml('<b>') } } })",
        '',
      ].join('\n'),
    )
    await writeFile(
      join(dir, 'keygram.config.mjs'),
      "import { defineKeygramConfig } from '@keygram/server-node'\nexport default defineKeygramConfig({ locale: 'ru' })\n",
    )
    const config = await loadConfig({ cwd: dir, env: {} })
    expect(config.routes).toEqual([{ chatId: '-1001234567890' }])
    const template = config.format.templates?.order_status
    expect(typeof template === 'function' ? template({} as never) : template).toBe('&lt;b&gt;')
    const mjs = await loadConfig({ cwd: dir, env: {}, configFile: 'keygram.config.mjs' })
    expect(mjs.format.locale).toBe('ru')
  })

  it('refuses a named config file that does not exist, from the option or KEYGRAM_CONFIG', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await expect(loadConfig({ cwd: dir, env: {}, configFile: 'nope.ts' })).rejects.toThrow(
      `the config file nope.ts (in ${dir}) does not exist`,
    )
    await expect(loadConfig({ cwd: dir, env: { KEYGRAM_CONFIG: '/missing.json' } })).rejects.toThrow(
      'KEYGRAM_CONFIG names a config file that does not exist: /missing.json',
    )
    // The default name may be absent: then the environment is the whole configuration.
    expect((await loadConfig({ cwd: dir, env: {} })).configFile).toBeNull()
  })

  it('says where each value came from: the environment, .env or the config file, and names stray variables', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await writeFile(join(dir, '.env'), `KEYGRAM_WEBHOOK_SECRET=${SECRET}\nKEYGRAM_CHATID=4242\n`)
    await writeFile(
      join(dir, 'keygram.config.json'),
      JSON.stringify({ locale: 'en', routes: [{ chatId: 1 }] }),
    )
    const env: Record<string, string | undefined> = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '5' }
    const config = await loadConfig({ cwd: dir, env })
    expect(config.sources).toEqual([
      { name: 'TELEGRAM_BOT_TOKEN', from: 'environment' },
      { name: 'KEYGRAM_WEBHOOK_SECRET', from: '.env' },
      { name: 'routes', from: 'config file' },
      { name: 'locale', from: 'config file' },
    ])
    expect(config.strayVariables).toEqual([
      { name: 'KEYGRAM_CHATID', from: '.env', suggestion: 'KEYGRAM_CHAT_ID' },
      { name: 'TELEGRAM_CHAT_ID', from: 'environment', suggestion: 'KEYGRAM_CHAT_ID' },
    ])
  })

  it('reports a config file that cannot be loaded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygram-config-'))
    await writeFile(join(dir, 'keygram.config.ts'), 'export default {{{\n')
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('ENV_VARIABLES', () => {
  it('lists exactly the variables the loader reads, each with its field, and the README documents each', async () => {
    const { readFile } = await import('node:fs/promises')
    const { ENV_VARIABLES } = await import('../src/config/index.ts')
    const { ENV_NAMES } = await import('../src/config/sources.ts')
    const loader = await readFile(new URL('../src/config/load.ts', import.meta.url), 'utf8')
    const read = new Set([
      ...Object.values(ENV_NAMES),
      ...[...loader.matchAll(/env\.([A-Z][A-Z_]+)/g)].map((match) => match[1]),
    ])
    expect(new Set(ENV_VARIABLES.map((variable) => variable.name))).toEqual(read)
    for (const variable of ENV_VARIABLES) {
      const field = Object.entries(ENV_NAMES).find(([, name]) => name === variable.name)?.[0]
      // KEYGRAM_RATE_LIMIT has no field of its own: it sets limits.globalPerSecond.
      if (field !== undefined && field !== 'rateLimit') expect(variable.field).toBe(field)
    }
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    for (const variable of ENV_VARIABLES)
      expect(readme).toMatch(new RegExp(`^\\| \`${variable.name}\` +\\|`, 'm'))
  })
})
