/**
 * Turning raw inputs (environment variables and the config file's export) into a validated
 * {@link KeygramConfig}, collecting one clear message per problem.
 *
 * @module
 */
import {
  createDigestScheduler,
  DEFAULT_ENRICH_BUDGET_MS,
  DEFAULT_MAX_STOCK_WEBHOOK_BYTES,
  DEFAULT_MAX_WEBHOOK_BYTES,
  type DeliveryLimits,
  DigestConfigError,
  type DigestSchedule,
  type FormatLocale,
  type FormatOptions,
  KEYCRM_API_URL,
  normalizeKeycrmAccount,
  RouteConfigError,
  type RouteRule,
  type StatusDictionary,
  type StockRule,
  StockRuleError,
  validateRouteRules,
  validateStockRules,
} from '@keygram/core'
import { ConfigError } from './errors.ts'
import { DEFAULT_STORE_URL, parseStoreUrl, type StoreLocation } from './store-url.ts'
import type { BotFramework, KeygramConfig, KeygramUserConfig, LogFormat, LogLevelName } from './types.ts'

/** Environment variables as `process.env` holds them. */
export type EnvRecord = Record<string, string | undefined>

/** Context of {@link resolveConfig}. */
export interface ResolveConfigContext {
  /** How the config file is named in messages, e.g. `keygram.config.ts`. */
  configFileLabel?: string
  /** The config file's path, reported back in {@link KeygramConfig.configFile}. */
  configFile?: string | null
  /** Whether stdout is a terminal (the default log format depends on it). */
  isTTY?: boolean
}

/** The secret used when demo mode runs without one; never accepted once a bot token is set. */
export const DEMO_WEBHOOK_SECRET = 'keygram-demo-secret'

const LOCALES: readonly FormatLocale[] = ['uk', 'en', 'ru']
const FRAMEWORKS: readonly BotFramework[] = ['grammy', 'telegraf']
const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json']
const LOG_LEVELS: readonly LogLevelName[] = ['debug', 'info', 'warn', 'error', 'silent']
const LIMIT_KEYS = [
  'globalPerSecond',
  'maxChatsPerRound',
  'globalRateLimitChats',
  'globalRateLimitWindowMs',
  'privateChatIntervalMs',
  'groupChatIntervalMs',
  'groupMessagesPerMinute',
] as const satisfies readonly (keyof DeliveryLimits)[]
const FILE_KEYS = new Set<string>([
  'botToken',
  'webhookSecret',
  'chatId',
  'routes',
  'admins',
  'locale',
  'currency',
  'timeZone',
  'keycrmDomain',
  'keycrmApiKey',
  'keycrmApiUrl',
  'keycrmBudgetMs',
  'digests',
  'format',
  'store',
  'telegramApiRoot',
  'webhookPort',
  'botPort',
  'host',
  'framework',
  'limits',
  'maxBodyBytes',
  'stockRules',
  'stockLow',
  'maxStockBodyBytes',
  'conflictGraceSeconds',
  'url',
  'logFormat',
  'logLevel',
])

// A BotFather token: the bot id, a colon, 35 URL-safe characters (30+ accepted).
const BOT_TOKEN = /^\d{5,}:[A-Za-z0-9_-]{30,}$/
// The secret is a URL path segment: unreserved characters only, so it needs no escaping anywhere.
const SECRET = /^[A-Za-z0-9._~-]{16,256}$/
const CHAT_ID = /^(?:-?[1-9]\d{0,18}|@[A-Za-z][A-Za-z0-9_]{4,31})$/
const USER_ID = /^[1-9]\d{0,18}$/

/** One input value and where it came from, for messages. */
interface Input {
  value: unknown
  source: string
}

/**
 * Validates the merged inputs. Environment variables win over the config file, field by field; empty
 * variables count as unset.
 *
 * @throws {ConfigError} listing every problem.
 */
export function resolveConfig(
  fileConfig: unknown,
  env: EnvRecord,
  context: ResolveConfigContext = {},
): KeygramConfig {
  const problems: string[] = []
  const fileLabel = context.configFileLabel ?? 'keygram.config'
  const file = readFileConfig(fileConfig, fileLabel, problems)

  const input = (envName: string, field: keyof KeygramUserConfig | null): Input | undefined => {
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv.trim(), source: envName }
    if (field !== null && file[field] !== undefined)
      return { value: file[field], source: `${fileLabel}: ${field}` }
    return undefined
  }

  const botToken = text(input('TELEGRAM_BOT_TOKEN', 'botToken'), problems, (value, source) =>
    BOT_TOKEN.test(value)
      ? null
      : `${source} does not look like a bot token from @BotFather (<bot id>:<35 characters>)`,
  )
  const demo = botToken === null

  let webhookSecret = text(input('KEYGRAM_WEBHOOK_SECRET', 'webhookSecret'), problems, (value, source) =>
    SECRET.test(value)
      ? null
      : `${source} must be 16 to 256 URL-safe characters (A-Z a-z 0-9 . _ ~ -); generate one with: openssl rand -hex 24`,
  )
  let demoSecret = false
  if (webhookSecret === null) {
    if (demo) {
      webhookSecret = DEMO_WEBHOOK_SECRET
      demoSecret = true
    } else if (!problems.some((problem) => problem.startsWith('KEYGRAM_WEBHOOK_SECRET'))) {
      problems.push(
        'KEYGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set (the webhook URL is /webhooks/keycrm/<secret>); generate one with: openssl rand -hex 24',
      )
    }
  }

  const keycrmApiKey = text(input('KEYCRM_API_KEY', 'keycrmApiKey'), problems, () => null)
  const keycrmApiUrl = httpUrl(input('KEYCRM_API_URL', 'keycrmApiUrl'), problems) ?? KEYCRM_API_URL
  const keycrmBudgetMs =
    integer(input('KEYCRM_BUDGET_MS', 'keycrmBudgetMs'), 1, 60_000, problems) ?? DEFAULT_ENRICH_BUDGET_MS

  const defaultChatId = chatIdOf(input('KEYGRAM_CHAT_ID', 'chatId'), problems)
  const routes = routesOf(file.routes, fileLabel, keycrmApiKey !== null, problems)
  if (defaultChatId !== null) routes.unshift({ chatId: defaultChatId })

  const admins = adminsOf(input('KEYGRAM_ADMINS', 'admins'), problems)
  const locale = oneOf(input('KEYGRAM_LOCALE', 'locale'), LOCALES, problems) ?? 'uk'
  const currency = text(input('KEYGRAM_CURRENCY', 'currency'), problems, currencyProblem)
  const timeZone = text(input('KEYGRAM_TIME_ZONE', 'timeZone'), problems, timeZoneProblem)
  const keycrmDomain = text(input('KEYCRM_DOMAIN', 'keycrmDomain'), problems, (value, source) => {
    try {
      normalizeKeycrmAccount(value)
      return null
    } catch {
      return `${source} must be a KeyCRM account like "myshop" or "myshop.keycrm.app"`
    }
  })

  const storeText = text(input('KEYGRAM_STORE', 'store'), problems, () => null) ?? DEFAULT_STORE_URL
  let store: StoreLocation = { kind: 'memory' }
  const parsedStore = parseStoreUrl(storeText)
  if (parsedStore.ok) store = parsedStore.store
  else problems.push(`${input('KEYGRAM_STORE', 'store')?.source ?? 'KEYGRAM_STORE'}: ${parsedStore.problem}`)

  const telegramApiRoot =
    httpUrl(input('TELEGRAM_API_ROOT', 'telegramApiRoot'), problems) ?? 'https://api.telegram.org'
  const webhookPort = integer(input('WEBHOOK_PORT', 'webhookPort'), 0, 65_535, problems) ?? 9000
  const botPort = integer(input('BOT_PORT', 'botPort'), 0, 65_535, problems) ?? 9001
  if (webhookPort === botPort && webhookPort !== 0) {
    problems.push(`WEBHOOK_PORT and BOT_PORT are both ${webhookPort}; the two servers need different ports`)
  }
  const host = text(input('KEYGRAM_HOST', 'host'), problems, () => null) ?? '0.0.0.0'
  const framework = oneOf(input('KEYGRAM_BOT_FRAMEWORK', 'framework'), FRAMEWORKS, problems) ?? 'grammy'
  const limits = limitsOf(file.limits, fileLabel, problems)
  const rate = integer(input('KEYGRAM_RATE_LIMIT', null), 1, 1000, problems)
  if (rate !== null) limits.globalPerSecond = rate
  const maxBodyBytes =
    integer(input('KEYGRAM_MAX_BODY_BYTES', 'maxBodyBytes'), 1024, 64 * 1_048_576, problems) ??
    DEFAULT_MAX_WEBHOOK_BYTES
  const stockRules = stockRulesOf(file.stockRules, fileLabel, problems)
  const stockLowInput = input('KEYGRAM_STOCK_LOW', 'stockLow')
  const stockLow = nonNegativeNumber(stockLowInput, problems)
  if (stockLow !== null && defaultChatId === null && !demo) {
    problems.push(
      `${stockLowInput?.source ?? 'KEYGRAM_STOCK_LOW'} needs KEYGRAM_CHAT_ID, the chat low-stock alerts go to (or use stockRules in ${fileLabel} to name chats)`,
    )
  }
  const maxStockBodyBytes =
    integer(input('KEYGRAM_MAX_STOCK_BODY_BYTES', 'maxStockBodyBytes'), 1024, 64 * 1_048_576, problems) ??
    DEFAULT_MAX_STOCK_WEBHOOK_BYTES
  const graceSeconds =
    integer(input('KEYGRAM_CONFLICT_GRACE_SECONDS', 'conflictGraceSeconds'), 0, 86_400, problems) ?? 60
  const url =
    httpUrl(input('KEYGRAM_URL', 'url'), problems) ??
    `http://127.0.0.1:${webhookPort === 0 ? 9000 : webhookPort}`
  const logFormat =
    oneOf(input('LOG_FORMAT', 'logFormat'), LOG_FORMATS, problems) ?? (context.isTTY ? 'pretty' : 'json')
  const logLevel = oneOf(input('LOG_LEVEL', 'logLevel'), LOG_LEVELS, problems) ?? 'info'
  const digests = digestsOf(
    file.digests,
    fileLabel,
    { timeZone: timeZone ?? 'Europe/Kyiv', locale, currency: currency?.toUpperCase() ?? 'UAH' },
    problems,
  )

  if (problems.length > 0) throw new ConfigError(problems)

  const format: FormatOptions = { ...file.format, locale }
  if (currency !== null) format.currency = currency.toUpperCase()
  if (timeZone !== null) format.timeZone = timeZone
  if (keycrmDomain !== null) format.keycrmDomain = keycrmDomain
  return {
    botToken,
    demo,
    webhookSecret: webhookSecret!,
    demoSecret,
    routes,
    defaultChatId,
    admins,
    format,
    keycrm: { apiKey: keycrmApiKey, domain: keycrmDomain, apiUrl: keycrmApiUrl, budgetMs: keycrmBudgetMs },
    digests,
    store,
    telegramApiRoot,
    webhookPort,
    botPort,
    host,
    framework,
    limits,
    maxBodyBytes,
    stock: {
      rules:
        stockLow === null
          ? stockRules
          : [
              { low: stockLow, chats: defaultChatId === null ? [] : [{ chatId: defaultChatId }] },
              ...stockRules,
            ],
      low: stockLow,
      maxBodyBytes: maxStockBodyBytes,
    },
    conflictGraceMs: graceSeconds * 1000,
    url,
    log: { format: logFormat, level: logLevel },
    configFile: context.configFile ?? null,
  }
}

function readFileConfig(value: unknown, label: string, problems: string[]): KeygramUserConfig {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${label} must export an object (use defineKeygramConfig({...}))`)
    return {}
  }
  for (const key of Object.keys(value)) {
    if (!FILE_KEYS.has(key)) problems.push(`${label}: unknown option "${key.slice(0, 40)}"`)
  }
  return value as KeygramUserConfig
}

type Check = (value: string, source: string) => string | null

/** A non-empty string input, checked; `null` when absent or invalid. */
function text(input: Input | undefined, problems: string[], check: Check): string | null {
  if (input === undefined) return null
  if (typeof input.value !== 'string' || input.value.trim() === '') {
    problems.push(`${input.source} must be a non-empty string`)
    return null
  }
  const value = input.value.trim()
  const problem = check(value, input.source)
  if (problem !== null) {
    problems.push(problem)
    return null
  }
  return value
}

function oneOf<T extends string>(
  input: Input | undefined,
  allowed: readonly T[],
  problems: string[],
): T | null {
  if (input === undefined) return null
  const value = typeof input.value === 'string' ? input.value.trim().toLowerCase() : input.value
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T
  problems.push(`${input.source} must be one of ${allowed.join(', ')}`)
  return null
}

function integer(input: Input | undefined, min: number, max: number, problems: string[]): number | null {
  if (input === undefined) return null
  const value =
    typeof input.value === 'string' && /^\d+$/.test(input.value.trim()) ? Number(input.value) : input.value
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
  problems.push(`${input.source} must be a whole number from ${min} to ${max}`)
  return null
}

function httpUrl(input: Input | undefined, problems: string[]): string | null {
  if (input === undefined) return null
  if (typeof input.value === 'string') {
    try {
      const url = new URL(input.value.trim())
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString().replace(/\/+$/, '')
    } catch {
      // Reported below.
    }
  }
  problems.push(`${input.source} must be an http(s) URL`)
  return null
}

function chatIdOf(input: Input | undefined, problems: string[]): string | null {
  if (input === undefined) return null
  const value = typeof input.value === 'number' ? String(input.value) : input.value
  if (typeof value === 'string' && CHAT_ID.test(value.trim())) return value.trim()
  problems.push(
    `${input.source} must be a numeric chat id (e.g. -1001234567890; send /chatid to the bot to get it) or an @channel username`,
  )
  return null
}

function adminsOf(input: Input | undefined, problems: string[]): string[] {
  if (input === undefined) return []
  const items = Array.isArray(input.value)
    ? input.value.map((item) => String(item).trim())
    : typeof input.value === 'string'
      ? input.value.split(/[\s,]+/).filter((item) => item !== '')
      : null
  if (items === null || !items.every((item) => USER_ID.test(item))) {
    problems.push(`${input.source} must list numeric Telegram user ids, e.g. 123456789,987654321`)
    return []
  }
  return items
}

/**
 * Checks the rules now; `statusNames` are resolved against KeyCRM's status list only when the server starts
 * (it needs the API), so here each name is checked against a list made of the names themselves.
 */
function routesOf(value: unknown, label: string, hasApiKey: boolean, problems: string[]): RouteRule[] {
  if (value === undefined) return []
  const named = namedRules(value)
  if (named.length > 0 && !hasApiKey) {
    for (const index of named)
      problems.push(
        `${label}: routes[${index}].statusNames: status names need KeyCRM's status list; set KEYCRM_API_KEY or use statusIds`,
      )
  }
  try {
    return validateRouteRules(
      value,
      named.length > 0 ? { statuses: selfNamedStatuses(value as unknown[]) } : {},
    )
  } catch (error) {
    if (error instanceof RouteConfigError) {
      for (const problem of error.problems) problems.push(`${label}: ${problem}`)
    } else problems.push(`${label}: routes are invalid`)
    return []
  }
}

/** Indexes of the rules that use `statusNames`. */
function namedRules(rules: unknown): number[] {
  if (!Array.isArray(rules)) return []
  return rules.flatMap((rule, index) =>
    rule !== null && typeof rule === 'object' && 'statusNames' in rule && rule.statusNames !== undefined
      ? [index]
      : [],
  )
}

function selfNamedStatuses(rules: unknown[]): StatusDictionary {
  const names = rules.flatMap((rule) => {
    const list = (rule as { statusNames?: unknown }).statusNames
    return Array.isArray(list) ? list.filter((name): name is string => typeof name === 'string') : []
  })
  return { order: Object.fromEntries(names.map((name, index) => [index + 1, { name }])) }
}

const DIGEST_KEYS = new Set([
  'chatId',
  'threadId',
  'cron',
  'timeZone',
  'locale',
  'currency',
  'disableNotification',
])

function digestsOf(
  value: unknown,
  label: string,
  defaults: Required<Pick<DigestSchedule, 'timeZone' | 'locale' | 'currency'>>,
  problems: string[],
): DigestSchedule[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    problems.push(`${label}: digests must be a list of { chatId, cron, timeZone, locale, currency }`)
    return []
  }
  const before = problems.length
  const schedules = value.map((item: unknown, index): DigestSchedule => {
    const at = `${label}: digests[${index}]`
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${at} must be an object with chatId and cron`)
      return { chatId: '' }
    }
    const raw = item as Record<string, unknown>
    for (const key of Object.keys(raw)) {
      if (!DIGEST_KEYS.has(key)) problems.push(`${at}: unknown option "${key.slice(0, 40)}"`)
    }
    if (raw.chatId === undefined) problems.push(`${at}.chatId is required`)
    if (raw.cron !== undefined && typeof raw.cron !== 'string')
      problems.push(`${at}.cron must be a cron pattern such as "0 9 * * *"`)
    for (const key of ['timeZone', 'locale', 'currency'] as const) {
      if (raw[key] !== undefined && typeof raw[key] !== 'string')
        problems.push(`${at}.${key} must be a string`)
    }
    if (typeof raw.currency === 'string') {
      const problem = currencyProblem(raw.currency, `${at}.currency`)
      if (problem !== null) problems.push(problem)
    }
    if (raw.disableNotification !== undefined && typeof raw.disableNotification !== 'boolean')
      problems.push(`${at}.disableNotification must be true or false`)
    return {
      ...defaults,
      ...(raw as Partial<DigestSchedule>),
      chatId: raw.chatId as DigestSchedule['chatId'],
      ...(typeof raw.currency === 'string' ? { currency: raw.currency.toUpperCase() } : {}),
    }
  })
  if (problems.length > before) return []
  try {
    // The scheduler's own checks (chat id, cron pattern, time zone, locale); nothing runs until start().
    createDigestScheduler({ store: DIGEST_VALIDATION_STORE, schedules })
  } catch (error) {
    if (error instanceof DigestConfigError) {
      for (const problem of error.problems) problems.push(`${label}: ${problem}`)
    } else problems.push(`${label}: digests are invalid`)
    return []
  }
  return schedules
}

// Never touched: creating a scheduler only validates its schedules.
const DIGEST_VALIDATION_STORE = {} as Parameters<typeof createDigestScheduler>[0]['store']

function stockRulesOf(value: unknown, label: string, problems: string[]): StockRule[] {
  if (value === undefined) return []
  try {
    validateStockRules(value)
    return value as StockRule[]
  } catch (error) {
    if (error instanceof StockRuleError) {
      for (const problem of error.problems) problems.push(`${label}: ${problem}`)
    } else problems.push(`${label}: stockRules are invalid`)
    return []
  }
}

function nonNegativeNumber(input: Input | undefined, problems: string[]): number | null {
  if (input === undefined) return null
  const value =
    typeof input.value === 'string' && /^\d+(?:\.\d+)?$/.test(input.value.trim())
      ? Number(input.value)
      : input.value
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  problems.push(`${input.source} must be a number >= 0 (available units, e.g. 5)`)
  return null
}

function limitsOf(value: unknown, label: string, problems: string[]): DeliveryLimits {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${label}: limits must be an object`)
    return {}
  }
  const limits: DeliveryLimits = {}
  for (const [key, item] of Object.entries(value)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      problems.push(`${label}: limits.${key.slice(0, 40)} is not a known limit (${LIMIT_KEYS.join(', ')})`)
    } else if (typeof item !== 'number' || !Number.isFinite(item) || item < 0) {
      problems.push(`${label}: limits.${key} must be a number >= 0`)
    } else limits[key as (typeof LIMIT_KEYS)[number]] = item
  }
  return limits
}

function currencyProblem(value: string, source: string): string | null {
  try {
    if (!/^[A-Za-z]{3}$/.test(value)) throw new RangeError()
    new Intl.NumberFormat('en', { style: 'currency', currency: value })
    return null
  } catch {
    return `${source} must be an ISO 4217 currency code such as UAH, EUR or USD`
  }
}

function timeZoneProblem(value: string, source: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value })
    return null
  } catch {
    return `${source} must be an IANA time zone such as Europe/Kyiv`
  }
}
