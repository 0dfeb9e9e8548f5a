/**
 * Where each configuration value comes from: an environment variable wins over the config file, field by
 * field; an empty variable counts as unset.
 *
 * @module
 */
import { type ConfigField, FILE_FIELDS } from './schema.ts'

/** Environment variables as `process.env` holds them. */
export type EnvRecord = Record<string, string | undefined>

/** The variable that sets each field (`ENV_VARIABLES` documents them; a test keeps the two in step). */
export const ENV_NAMES = {
  botToken: 'TELEGRAM_BOT_TOKEN',
  webhookSecret: 'KEYGRAM_WEBHOOK_SECRET',
  keycrmApiKey: 'KEYCRM_API_KEY',
  keycrmApiUrl: 'KEYCRM_API_URL',
  keycrmBudgetMs: 'KEYCRM_BUDGET_MS',
  chatId: 'KEYGRAM_CHAT_ID',
  admins: 'KEYGRAM_ADMINS',
  locale: 'KEYGRAM_LOCALE',
  currency: 'KEYGRAM_CURRENCY',
  timeZone: 'KEYGRAM_TIME_ZONE',
  keycrmDomain: 'KEYCRM_DOMAIN',
  store: 'KEYGRAM_STORE',
  telegramApiRoot: 'TELEGRAM_API_ROOT',
  webhookPort: 'WEBHOOK_PORT',
  botPort: 'BOT_PORT',
  host: 'KEYGRAM_HOST',
  framework: 'KEYGRAM_BOT_FRAMEWORK',
  rateLimit: 'KEYGRAM_RATE_LIMIT',
  maxBodyBytes: 'KEYGRAM_MAX_BODY_BYTES',
  stockLow: 'KEYGRAM_STOCK_LOW',
  maxStockBodyBytes: 'KEYGRAM_MAX_STOCK_BODY_BYTES',
  conflictGraceSeconds: 'KEYGRAM_CONFLICT_GRACE_SECONDS',
  botStartGraceSeconds: 'KEYGRAM_BOT_START_GRACE_SECONDS',
  cards: 'KEYGRAM_CARDS',
  cardEditWindowDays: 'KEYGRAM_CARD_EDIT_WINDOW_DAYS',
  actionsSecret: 'KEYGRAM_ACTIONS_SECRET',
  domain: 'KEYGRAM_DOMAIN',
  url: 'KEYGRAM_URL',
  logFormat: 'LOG_FORMAT',
  logLevel: 'LOG_LEVEL',
} as const satisfies Partial<Record<ConfigField, string>>

/** The merged input and which of its values came from the config file. */
export interface MergedInput {
  values: Partial<Record<ConfigField, unknown>>
  fromFile: ReadonlySet<ConfigField>
}

/** Takes each field from its environment variable when set, else from the config file. */
export function mergeSources(file: Readonly<Record<string, unknown>>, env: EnvRecord): MergedInput {
  const values: Partial<Record<ConfigField, unknown>> = {}
  const fromFile = new Set<ConfigField>()
  for (const [field, name] of Object.entries(ENV_NAMES) as [ConfigField, string][]) {
    const value = env[name]?.trim()
    if (value !== undefined && value !== '') values[field] = value
  }
  for (const field of FILE_FIELDS) {
    if (values[field] === undefined && file[field] !== undefined) {
      values[field] = file[field]
      fromFile.add(field)
    }
  }
  return { values, fromFile }
}

/** The variable that sets `field`, if any. */
export function envNameOf(field: string): string | undefined {
  return Object.hasOwn(ENV_NAMES, field) ? ENV_NAMES[field as keyof typeof ENV_NAMES] : undefined
}
