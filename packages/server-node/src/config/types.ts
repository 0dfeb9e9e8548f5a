/**
 * Configuration shapes: what a user writes (`keygram.config.ts`, environment variables) and what the
 * server runs with after validation.
 *
 * @module
 */
import type {
  ActionRule,
  DeliveryLimits,
  DigestSchedule,
  FormatLocale,
  FormatOptions,
  RouteRule,
  StockRule,
} from '@keygram/core'
import type * as v from 'valibot'
import type { botFrameworkSchema, logFormatSchema, logLevelSchema } from './fields.ts'
import type { StoreLocation } from './store-url.ts'
import type { StrayVariable } from './stray-variables.ts'

/** Which processes `serve` runs: the webhook server (9000), the Telegram bot (9001), or both. */
export type ServerRole = 'webhook' | 'bot' | 'all'

/** The Telegram framework the bot role polls with. */
export type BotFramework = v.InferOutput<typeof botFrameworkSchema>

/** How log lines look: coloured for people, JSON lines for collectors. */
export type LogFormat = v.InferOutput<typeof logFormatSchema>

/** Log levels, quietest last. */
export type LogLevelName = v.InferOutput<typeof logLevelSchema>

/**
 * What `keygram.config.ts` (or `.mjs`, `.json`...) may export. Environment variables override it field by
 * field. Secrets are best left to the environment.
 */
export interface KeygramUserConfig {
  /** Telegram bot token (`TELEGRAM_BOT_TOKEN`). Without one the server runs in demo mode. */
  botToken?: string
  /** The webhook URL secret (`KEYGRAM_WEBHOOK_SECRET`). */
  webhookSecret?: string
  /** Default chat every event goes to (`KEYGRAM_CHAT_ID`). */
  chatId?: string | number
  /** Routing rules: event kinds, status filters, forum topics, per-chat locale. */
  routes?: RouteRule[]
  /** Telegram user ids allowed to use `/subscribe`, `/unsubscribe` and `/test` (`KEYGRAM_ADMINS`). */
  admins?: (string | number)[]
  /** Notification language (`KEYGRAM_LOCALE`): `uk` (default), `en`, `ru`. */
  locale?: FormatLocale
  /** ISO 4217 currency (`KEYGRAM_CURRENCY`), default `UAH`. */
  currency?: string
  /** IANA time zone (`KEYGRAM_TIME_ZONE`), default `Europe/Kyiv`. */
  timeZone?: string
  /** KeyCRM account or host (`KEYCRM_DOMAIN`), for "Open in KeyCRM" buttons. */
  keycrmDomain?: string
  /** KeyCRM API key (`KEYCRM_API_KEY`), for enrichment, stock alert product names and `statusNames` in routes. */
  keycrmApiKey?: string
  /** KeyCRM API base URL (`KEYCRM_API_URL`), default `https://openapi.keycrm.app/v1`; tests point it at a fake. */
  keycrmApiUrl?: string
  /** The most a notification waits for KeyCRM's details when it is sent, in ms (`KEYCRM_BUDGET_MS`), default 3000. */
  keycrmBudgetMs?: number
  /**
   * Daily (or any cron) summaries of yesterday's orders, each to its chat. `timeZone`, `locale` and `currency`
   * default to the notifications' own.
   */
  digests?: DigestSchedule[]
  /** Status names, message templates, silent delivery, managers' Telegram accounts (mentioned in messages). */
  format?: Pick<FormatOptions, 'statuses' | 'templates' | 'disableNotification' | 'managers'>
  /** Store URL (`KEYGRAM_STORE`). */
  store?: string
  /** Bot API root (`TELEGRAM_API_ROOT`), e.g. a fake Bot API in tests. */
  telegramApiRoot?: string
  /** Webhook server port (`WEBHOOK_PORT`), default 9000. */
  webhookPort?: number
  /** Bot health port (`BOT_PORT`), default 9001. */
  botPort?: number
  /** Interface to listen on (`KEYGRAM_HOST`), default `0.0.0.0`. */
  host?: string
  /** Framework of the bot role (`KEYGRAM_BOT_FRAMEWORK`), default `grammy`. */
  framework?: BotFramework
  /** Telegram send-rate limits of the delivery worker. */
  limits?: DeliveryLimits
  /** Largest accepted webhook body in bytes (`KEYGRAM_MAX_BODY_BYTES`), default 1 MiB. */
  maxBodyBytes?: number
  /**
   * Low-stock alert rules for KeyCRM's stock-balance webhook (posted to the same webhook URL): SKUs or
   * patterns, a threshold on available stock, hysteresis, "back in stock", the chats to alert.
   */
  stockRules?: StockRule[]
  /**
   * A default low-stock threshold for every offer (`KEYGRAM_STOCK_LOW`), alerting the default chat; added in
   * front of `stockRules`.
   */
  stockLow?: number
  /** Largest accepted stock-balance webhook body in bytes (`KEYGRAM_MAX_STOCK_BODY_BYTES`), default 4 MiB. */
  maxStockBodyBytes?: number
  /** Seconds a polling conflict may last before the bot's `/healthz` turns 503 (`KEYGRAM_CONFLICT_GRACE_SECONDS`). */
  conflictGraceSeconds?: number
  /**
   * Seconds the poller may stay `starting` (it holds the lease but cannot reach Telegram, or Telegram answers
   * 5xx) before the bot's `/healthz` turns 503 (`KEYGRAM_BOT_START_GRACE_SECONDS`), 0-3600, default 60 (the
   * compose file's `start_period`).
   */
  botStartGraceSeconds?: number
  /**
   * Live order cards (`KEYGRAM_CARDS`), default on: one message per order and chat, edited as the order
   * moves; `false` sends one message per change. A route's `cards: false` opts that route out.
   */
  cards?: boolean
  /** Days a card's message is edited after it was sent (`KEYGRAM_CARD_EDIT_WINDOW_DAYS`), 1-365, default 7. */
  cardEditWindowDays?: number
  /**
   * Two-way actions: buttons on live cards that change an order's or lead's status in KeyCRM (needs
   * `KEYCRM_API_KEY`). Off unless given; see the actions guide for a starter configuration.
   */
  actions?: ActionRule[]
  /**
   * Signs the action buttons (`KEYGRAM_ACTIONS_SECRET`); default: derived from the webhook secret, so
   * changing that one makes the buttons stale (a press refreshes them).
   */
  actionsSecret?: string
  /**
   * The public host name KeyCRM posts to (`KEYGRAM_DOMAIN`), e.g. `hooks.example.com`: `doctor` shows the
   * whole webhook URL, and the Caddy compose variant gets its certificate for it.
   */
  domain?: string
  /** Base URL of the running webhook server for `send-test` (`KEYGRAM_URL`). */
  url?: string
  /** Log format (`LOG_FORMAT`), default pretty in a terminal, JSON otherwise. */
  logFormat?: LogFormat
  /** Log level (`LOG_LEVEL`), default `info`. */
  logLevel?: LogLevelName
}

/** The validated configuration the server runs with. */
export interface KeygramConfig {
  /** `null` in demo mode. */
  botToken: string | null
  /** True without a bot token: notifications are printed to the terminal instead of sent. */
  demo: boolean
  webhookSecret: string
  /** True when no secret was configured and the demo secret is in use (demo mode only). */
  demoSecret: boolean
  /** The configured rules, with the default chat's catch-all rule first when `chatId` is set. */
  routes: RouteRule[]
  defaultChatId: string | null
  admins: string[]
  /** Formatting for every notification (locale, currency, time zone, KeyCRM domain, templates). */
  format: FormatOptions
  /**
   * KeyCRM's API: the key (`null`: no enrichment), the account for links, the API's base URL and how long a
   * notification waits for enrichment when it is sent.
   */
  keycrm: { apiKey: string | null; domain: string | null; apiUrl: string; budgetMs: number }
  /** Digest schedules, validated, with the notifications' time zone, locale and currency filled in. */
  digests: DigestSchedule[]
  store: StoreLocation
  telegramApiRoot: string
  webhookPort: number
  botPort: number
  host: string
  framework: BotFramework
  limits: DeliveryLimits
  maxBodyBytes: number
  /**
   * Stock alerts: the rules (with `KEYGRAM_STOCK_LOW`'s rule first; its chat is the default chat, or `null`
   * in demo mode without one, meaning the demo chat) and the stock webhook's body limit.
   */
  stock: { rules: StockRule[]; low: number | null; maxBodyBytes: number }
  /** Two-way actions: the rules (none: off) and the secret the buttons are signed with. */
  actions: { rules: ActionRule[]; secret: string }
  /** Live cards: on or off, and how long a card's message is edited after it was sent, in ms. */
  cards: { enabled: boolean; editWindowMs: number }
  conflictGraceMs: number
  /** How long the poller may stay `starting` before the bot's `/healthz` turns 503, in ms. */
  botStartGraceMs: number
  /** The public host name KeyCRM posts to, or `null` when not configured. */
  domain: string | null
  /** Base URL `send-test` posts to, e.g. `http://127.0.0.1:9000`. */
  url: string
  log: { format: LogFormat; level: LogLevelName }
  /** Where the config file was loaded from, or `null`. */
  configFile: string | null
  /** Where each value that was set came from (`keygram doctor` prints it), in field order. */
  sources: ConfigValueSource[]
  /** Variables Keygram does not read but that look meant for it (typos, other bots' names). */
  strayVariables: StrayVariable[]
}

/** Where one configuration value came from. */
export interface ConfigValueSource {
  /** The environment variable (`TELEGRAM_BOT_TOKEN`) or, for the config file, the field (`routes`). */
  name: string
  /** The real environment, the `.env` file, or the config file. */
  from: 'environment' | '.env' | 'config file'
}
