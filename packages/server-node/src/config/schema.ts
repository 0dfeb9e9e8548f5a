/**
 * The configuration's rules as valibot schemas: one schema per field, in the order problems are listed,
 * and the rules that tie fields together.
 *
 * @module
 */
import {
  DEFAULT_ENRICH_BUDGET_MS,
  DEFAULT_MAX_STOCK_WEBHOOK_BYTES,
  DEFAULT_MAX_WEBHOOK_BYTES,
  KEYCRM_API_URL,
} from '@keygram/core'
import * as v from 'valibot'
import { actions, digests, routes, stockRules, unknownPathItem } from './core-rules.ts'
import {
  admins,
  botFrameworkSchema,
  botToken,
  chatId,
  currency,
  format,
  httpUrl,
  keycrmApiKey,
  keycrmDomain,
  limits,
  logFormatSchema,
  logLevelSchema,
  nonEmptyText,
  oneOf,
  onOff,
  plainObject,
  publicDomain,
  stockLow,
  store,
  timeZone,
  unknownOption,
  webhookSecret,
  wholeNumber,
} from './fields.ts'
import { DEFAULT_STORE_URL } from './store-url.ts'
import type { KeygramUserConfig } from './types.ts'

/**
 * One schema per field, in the order problems are listed. Every {@link KeygramUserConfig} field, plus the
 * variables that have no field of their own (`rateLimit`: `KEYGRAM_RATE_LIMIT`). Defaults that depend on
 * nothing else are filled in here.
 */
const fieldEntries = {
  botToken: v.optional(botToken),
  webhookSecret: v.optional(webhookSecret),
  keycrmApiKey: v.optional(keycrmApiKey),
  keycrmApiUrl: v.optional(httpUrl, KEYCRM_API_URL),
  keycrmBudgetMs: v.optional(wholeNumber(1, 60_000), DEFAULT_ENRICH_BUDGET_MS),
  chatId: v.optional(chatId),
  routes: v.optional(routes),
  admins: v.optional(admins, []),
  locale: v.optional(oneOf(['uk', 'en', 'ru']), 'uk'),
  currency: v.optional(currency),
  timeZone: v.optional(timeZone),
  keycrmDomain: v.optional(keycrmDomain),
  format: v.optional(format),
  store: v.optional(store, DEFAULT_STORE_URL),
  telegramApiRoot: v.optional(httpUrl, 'https://api.telegram.org'),
  webhookPort: v.optional(wholeNumber(0, 65_535), 9000),
  botPort: v.optional(wholeNumber(0, 65_535), 9001),
  host: v.optional(nonEmptyText, '0.0.0.0'),
  framework: v.optional(botFrameworkSchema, 'grammy'),
  limits: v.optional(limits),
  rateLimit: v.optional(wholeNumber(1, 1000)),
  maxBodyBytes: v.optional(wholeNumber(1024, 64 * 1_048_576), DEFAULT_MAX_WEBHOOK_BYTES),
  stockRules: v.optional(stockRules),
  stockLow: v.optional(stockLow),
  maxStockBodyBytes: v.optional(wholeNumber(1024, 64 * 1_048_576), DEFAULT_MAX_STOCK_WEBHOOK_BYTES),
  conflictGraceSeconds: v.optional(wholeNumber(0, 86_400), 60),
  // An hour is far past any real start-up; more would hide a bot that never starts.
  botStartGraceSeconds: v.optional(wholeNumber(0, 3600), 60),
  cards: v.optional(onOff, true),
  cardEditWindowDays: v.optional(wholeNumber(1, 365), 7),
  domain: v.optional(publicDomain),
  url: v.optional(httpUrl),
  logFormat: v.optional(logFormatSchema),
  logLevel: v.optional(logLevelSchema, 'info'),
  digests: v.optional(digests),
  actions: v.optional(actions),
  actionsSecret: v.optional(webhookSecret),
} satisfies Record<ConfigField, v.GenericSchema>

/** A field of the validated input: a config file field, or a variable without one. */
export type ConfigField = keyof KeygramUserConfig | EnvOnlyField

/** Fields only an environment variable sets. */
export type EnvOnlyField = 'rateLimit'

/** Every field, in the order problems are listed. */
export const CONFIG_FIELDS = Object.keys(fieldEntries) as ConfigField[]

/** The fields a config file may set. */
export const FILE_FIELDS = CONFIG_FIELDS.filter(
  (field): field is keyof KeygramUserConfig => field !== 'rateLimit',
)

/** What a config file must export: an object with known fields (their values are checked after merging). */
export const fileSchema = v.pipe(
  plainObject('must export an object (use defineKeygramConfig({...}))'),
  v.objectWithRest(
    Object.fromEntries(FILE_FIELDS.map((field) => [field, v.optional(v.unknown())])),
    unknownOption(Object.fromEntries(FILE_FIELDS.map((field) => [field, true]))),
  ),
)

const fieldsSchema = v.config(v.object(fieldEntries), { abortPipeEarly: true })

/** The validated fields, before defaults that depend on other fields or on the context are applied. */
export type ConfigFields = v.InferOutput<typeof fieldsSchema>

/** A broken rule: where to report it and what to say. */
interface RuleProblem {
  path: [ConfigField, ...(string | number)[]]
  message: string
}

/**
 * A rule between fields. It runs once the fields it `needs` are valid (valibot's `partialCheck` runs as
 * soon as they are well typed, so a value failing its own regex or range would be blamed twice); other
 * fields it may test for presence only.
 */
function ruleBetweenFields(needs: readonly ConfigField[], rule: (config: ConfigFields) => RuleProblem[]) {
  return v.rawCheck<ConfigFields>(({ dataset, addIssue }) => {
    if (dataset.issues?.some((issue) => needs.includes(issue.path?.[0]?.key as ConfigField))) return
    // Not typed as a whole when another field failed; the fields the rule reads are valid.
    for (const { path, message } of rule(dataset.value as ConfigFields)) {
      const [field, ...rest] = path
      addIssue({ message, path: [unknownPathItem(field), ...rest.map(unknownPathItem)] })
    }
  })
}

/**
 * The whole configuration, after the environment and the file are merged: every field (each reports its
 * first problem only), then the rules between fields, so every problem is found in one pass and none is
 * reported twice. Problems are listed by field (`./problems.ts`), a rule's beside the field it names.
 */
export function configSchema(fileLabel: string) {
  return v.pipe(
    fieldsSchema,
    // Set at all, even malformed, the token means production: say now that the secret is missing too.
    ruleBetweenFields(['webhookSecret'], (config) =>
      config.botToken !== undefined && config.webhookSecret === undefined
        ? [{ path: ['webhookSecret'], message: SECRET_REQUIRED }]
        : [],
    ),
    ruleBetweenFields(['webhookPort', 'botPort'], ({ webhookPort, botPort }) =>
      webhookPort === botPort && botPort !== 0
        ? [{ path: ['botPort'], message: `must differ from WEBHOOK_PORT (both ${botPort}): ${OWN_PORTS}` }]
        : [],
    ),
    // In demo mode (no token) low-stock alerts go to the terminal's demo chat.
    ruleBetweenFields(['stockLow', 'chatId'], (config) =>
      config.stockLow !== undefined && config.chatId === undefined && config.botToken !== undefined
        ? [{ path: ['stockLow'], message: `needs KEYGRAM_CHAT_ID, ${STOCK_CHATS(fileLabel)}` }]
        : [],
    ),
    // Buttons change orders through KeyCRM's API.
    ruleBetweenFields(['actions'], (config) =>
      (config.actions ?? []).length > 0 && config.keycrmApiKey === undefined
        ? [{ path: ['actions'], message: ACTIONS_NEED_API }]
        : [],
    ),
    // A key that is set but malformed is reported on its own.
    ruleBetweenFields(['routes'], (config) =>
      config.keycrmApiKey !== undefined
        ? []
        : (config.routes ?? []).flatMap((rule, index): RuleProblem[] =>
            rule.statusNames === undefined
              ? []
              : [{ path: ['routes', index, 'statusNames'], message: STATUS_NAMES }],
          ),
    ),
  )
}

const SECRET_REQUIRED =
  'is required when TELEGRAM_BOT_TOKEN is set (the webhook URL is /webhooks/keycrm/<secret>); generate one with: openssl rand -hex 24'
const ACTIONS_NEED_API =
  "buttons change orders through KeyCRM's API, so KEYCRM_API_KEY is required (Settings -> API in KeyCRM)"
const OWN_PORTS = 'the webhook and bot servers each need their own port'
const STATUS_NAMES = "status names need KeyCRM's status list; set KEYCRM_API_KEY or use statusIds"
const STOCK_CHATS = (fileLabel: string) =>
  `the chat low-stock alerts go to (or use stockRules in ${fileLabel} to name chats)`
