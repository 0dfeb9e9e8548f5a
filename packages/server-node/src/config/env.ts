/**
 * The environment variables Keygram reads, in one table (the README and the deploy examples follow it).
 *
 * @module
 */

/** One documented environment variable. */
export interface EnvVariable {
  name: string
  /** The `keygram.config.ts` field it overrides, when there is one. */
  field: string | null
  description: string
  default: string
  /** Never printed. */
  secret: boolean
}

/** Every variable the server reads. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'TELEGRAM_BOT_TOKEN',
    field: 'botToken',
    description: 'Bot token from @BotFather; without it the server runs in demo mode',
    default: '(demo mode)',
    secret: true,
  },
  {
    name: 'KEYGRAM_WEBHOOK_SECRET',
    field: 'webhookSecret',
    description: 'Secret in the webhook URL /webhooks/keycrm/<secret>; required with a bot token',
    default: '(demo secret in demo mode)',
    secret: true,
  },
  {
    name: 'KEYGRAM_CHAT_ID',
    field: 'chatId',
    description: 'Default chat every event goes to; finer routes go in keygram.config.ts',
    default: '(none)',
    secret: false,
  },
  {
    name: 'KEYGRAM_STORE',
    field: 'store',
    description: 'sqlite:<path>, redis://host:6379, postgres://host/database or memory:',
    default: 'sqlite:./data/keygram.db',
    secret: false,
  },
  {
    name: 'KEYGRAM_LOCALE',
    field: 'locale',
    description: 'Notification language: uk, en or ru',
    default: 'uk',
    secret: false,
  },
  {
    name: 'KEYGRAM_CURRENCY',
    field: 'currency',
    description: 'ISO 4217 currency of the account',
    default: 'UAH',
    secret: false,
  },
  {
    name: 'KEYGRAM_TIME_ZONE',
    field: 'timeZone',
    description: 'IANA time zone dates are shown in',
    default: 'Europe/Kyiv',
    secret: false,
  },
  {
    name: 'KEYCRM_DOMAIN',
    field: 'keycrmDomain',
    description: 'KeyCRM account (myshop or myshop.keycrm.app) for "Open in KeyCRM" buttons',
    default: '(none)',
    secret: false,
  },
  {
    name: 'KEYCRM_API_KEY',
    field: 'keycrmApiKey',
    description:
      'KeyCRM API key: order details in notifications, product names in stock alerts, statusNames in routes',
    default: '(none)',
    secret: true,
  },
  {
    name: 'KEYCRM_API_URL',
    field: 'keycrmApiUrl',
    description: 'KeyCRM API base URL, e.g. a fake KeyCRM API in tests',
    default: 'https://openapi.keycrm.app/v1',
    secret: false,
  },
  {
    name: 'KEYCRM_BUDGET_MS',
    field: 'keycrmBudgetMs',
    description: 'Most time a notification waits for KeyCRM details when sent; then it goes without them',
    default: '3000',
    secret: false,
  },
  {
    name: 'TELEGRAM_API_ROOT',
    field: 'telegramApiRoot',
    description: 'Bot API root, e.g. a fake Bot API in tests',
    default: 'https://api.telegram.org',
    secret: false,
  },
  {
    name: 'WEBHOOK_PORT',
    field: 'webhookPort',
    description: 'Webhook server port',
    default: '9000',
    secret: false,
  },
  {
    name: 'BOT_PORT',
    field: 'botPort',
    description: 'Bot health and metrics port',
    default: '9001',
    secret: false,
  },
  {
    name: 'KEYGRAM_HOST',
    field: 'host',
    description: 'Interface to listen on',
    default: '0.0.0.0',
    secret: false,
  },
  {
    name: 'KEYGRAM_BOT_FRAMEWORK',
    field: 'framework',
    description: 'grammy or telegraf',
    default: 'grammy',
    secret: false,
  },
  {
    name: 'KEYGRAM_ADMINS',
    field: 'admins',
    description: 'Comma-separated Telegram user ids allowed to /subscribe and /test',
    default: '(none)',
    secret: false,
  },
  {
    name: 'KEYGRAM_RATE_LIMIT',
    field: 'limits.globalPerSecond',
    description: 'Messages per second the worker sends at most',
    default: '30',
    secret: false,
  },
  {
    name: 'KEYGRAM_MAX_BODY_BYTES',
    field: 'maxBodyBytes',
    description: 'Largest accepted webhook body',
    default: '1048576',
    secret: false,
  },
  {
    name: 'KEYGRAM_STOCK_LOW',
    field: 'stockLow',
    description:
      'Low-stock alert threshold (available = in_stock - in_reserve) for every offer, sent to KEYGRAM_CHAT_ID',
    default: '(no stock alerts)',
    secret: false,
  },
  {
    name: 'KEYGRAM_MAX_STOCK_BODY_BYTES',
    field: 'maxStockBodyBytes',
    description: 'Largest accepted stock-balance webhook body (an import can carry thousands of rows)',
    default: '4194304',
    secret: false,
  },
  {
    name: 'KEYGRAM_CONFLICT_GRACE_SECONDS',
    field: 'conflictGraceSeconds',
    description: 'How long a polling conflict may last before the bot /healthz answers 503',
    default: '60',
    secret: false,
  },
  {
    name: 'KEYGRAM_BOT_START_GRACE_SECONDS',
    field: 'botStartGraceSeconds',
    description:
      'How long the poller may keep failing to start (Telegram unreachable, 5xx) before the bot /healthz answers 503',
    default: '60',
    secret: false,
  },
  {
    name: 'KEYGRAM_CARDS',
    field: 'cards',
    description:
      'Live order cards: on (one message per order, edited as it moves) or off (one message per change)',
    default: 'on',
    secret: false,
  },
  {
    name: 'KEYGRAM_CARD_EDIT_WINDOW_DAYS',
    field: 'cardEditWindowDays',
    description: "Days a card's message is edited after it was sent; a later change gets a new card",
    default: '7',
    secret: false,
  },
  {
    name: 'KEYGRAM_ACTIONS_SECRET',
    field: 'actionsSecret',
    description: 'Signs the action buttons on cards; changing it makes the buttons stale',
    default: '(derived from KEYGRAM_WEBHOOK_SECRET)',
    secret: true,
  },
  {
    name: 'KEYGRAM_DOMAIN',
    field: 'domain',
    description:
      'Public host name KeyCRM posts to (https://<domain>/webhooks/keycrm/<secret>); doctor shows the whole URL, the Caddy compose variant gets its certificate for it',
    default: '(none)',
    secret: false,
  },
  {
    name: 'KEYGRAM_URL',
    field: 'url',
    description: 'Base URL of the running webhook server, for send-test',
    default: 'http://127.0.0.1:<WEBHOOK_PORT>',
    secret: false,
  },
  {
    name: 'KEYGRAM_CONFIG',
    field: null,
    description: 'Path of the config file',
    default: 'keygram.config.{ts,mjs,js,json}',
    secret: false,
  },
  {
    name: 'LOG_FORMAT',
    field: 'logFormat',
    description: 'pretty or json',
    default: 'pretty in a terminal, json otherwise',
    secret: false,
  },
  {
    name: 'LOG_LEVEL',
    field: 'logLevel',
    description: 'debug, info, warn, error or silent',
    default: 'info',
    secret: false,
  },
]
