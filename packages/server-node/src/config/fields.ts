/**
 * The schemas of single configuration fields. Each accepts what a config file holds (numbers, lists) and
 * what an environment variable holds (strings), and its messages follow the field's name (`must be ...`).
 * A message never quotes the value, so no secret can leak through one.
 *
 * @module
 */
import {
  type DeliveryLimits,
  normalizeKeycrmAccount,
  routableKinds,
  type StatusDictionary,
  type Template,
} from '@keygram/core'
import * as v from 'valibot'
import { parseStoreUrl } from './store-url.ts'

/**
 * The message of an unknown key, listing the valid ones; `./problems.ts` words it as
 * `<where>: unknown option "<key>"; valid options: ...`, as core words its own.
 */
export const unknownOptionMessage = (known: readonly string[]) => `valid options: ${known.join(', ')}`

/**
 * Rejects every key an object schema does not list, one issue per key (valibot's `strictObject` stops at
 * one), naming the `known` keys.
 */
export const unknownOption = (known: object) => v.never(unknownOptionMessage(Object.keys(known)))

/** Whether `value` is an object and not an array (valibot's object schemas take arrays too). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A plain object (no array, no null), typed as `T`. */
export const plainObject = <T = Record<string, unknown>>(message: string) =>
  v.custom<T>(isPlainObject, message)

const NON_EMPTY = 'must be a non-empty string'
/** A trimmed, non-empty string. */
export const nonEmptyText = v.pipe(v.string(NON_EMPTY), v.trim(), v.nonEmpty(NON_EMPTY))

// A BotFather token: the bot id, a colon, 35 URL-safe characters (30+ accepted).
const BOT_TOKEN = /^\d{5,}:[A-Za-z0-9_-]{30,}$/
// The secret is a URL path segment: unreserved characters only, so it needs no escaping anywhere.
const WEBHOOK_SECRET = /^[A-Za-z0-9._~-]{16,256}$/
const CHAT_ID = /^(?:-?[1-9]\d{0,18}|@[A-Za-z][A-Za-z0-9_]{4,31})$/
const USER_ID = /^[1-9]\d{0,18}$/

/** A whole number in a range, from a number or (environment variables) a string of digits. */
export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`
  return v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d+$/), v.transform(Number))], message),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  )
}

/** On or off: a boolean, or `on`/`off`, `true`/`false`, `1`/`0`, `yes`/`no` (case-insensitive). */
export const onOff = v.union(
  [
    v.boolean(),
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']),
      v.transform((value) => ['on', 'true', '1', 'yes'].includes(value)),
    ),
  ],
  'must be on or off',
)

/** One of `options`, case-insensitive. */
export function oneOf<const T extends readonly string[]>(options: T) {
  const message = `must be one of ${options.join(', ')}`
  return v.pipe(v.string(message), v.trim(), v.toLowerCase(), v.picklist(options, message))
}

const HTTP_URL = 'must be an http(s) URL'
/** An http(s) URL without trailing slashes. */
export const httpUrl = v.pipe(
  v.string(HTTP_URL),
  v.trim(),
  v.check((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), HTTP_URL),
  v.transform((text) => new URL(text).toString().replace(/\/+$/, '')),
)

const CURRENCY = 'must be an ISO 4217 currency code such as UAH, EUR or USD'
const isCurrency = (code: string) => {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code })
    return /^[A-Za-z]{3}$/.test(code)
  } catch {
    return false
  }
}

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const isKeycrmAccount = (domain: string) => {
  try {
    normalizeKeycrmAccount(domain)
    return true
  } catch {
    return false
  }
}

/** A bot token; the message never quotes it. */
export const botToken = v.pipe(
  nonEmptyText,
  v.regex(BOT_TOKEN, 'does not look like a bot token from @BotFather (<bot id>:<35 characters>)'),
)

/** The webhook URL's secret; the message never quotes it. */
export const webhookSecret = v.pipe(
  nonEmptyText,
  v.regex(
    WEBHOOK_SECRET,
    'must be 16 to 256 URL-safe characters (A-Z a-z 0-9 . _ ~ -); generate one with: openssl rand -hex 24',
  ),
)

/** A KeyCRM API key; the message never quotes it. Real keys are long random strings. */
export const keycrmApiKey = v.pipe(
  nonEmptyText,
  v.regex(
    /^\S{16,512}$/,
    "does not look like a KeyCRM API key (16 or more characters, no spaces); copy it from KeyCRM's settings: https://help.keycrm.app/uk/process-automation-api-and-more/where-to-get-an-api-key",
  ),
)

// A DNS name (labels of letters, digits and inner hyphens), with an optional port.
const DOMAIN =
  /^(?=.{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i

/** The public host name KeyCRM posts to. */
export const publicDomain = v.pipe(
  nonEmptyText,
  v.regex(DOMAIN, 'must be a host name such as hooks.example.com (no https://, no path)'),
  v.toLowerCase(),
)

/** An ISO 4217 currency code, upper-cased. */
export const currency = v.pipe(nonEmptyText, v.check(isCurrency, CURRENCY), v.toUpperCase())

/** An IANA time zone. */
export const timeZone = v.pipe(
  nonEmptyText,
  v.check(isTimeZone, 'must be an IANA time zone such as Europe/Kyiv'),
)

/** A KeyCRM account (`myshop`) or host (`myshop.keycrm.app`). */
export const keycrmDomain = v.pipe(
  nonEmptyText,
  v.check(isKeycrmAccount, 'must be a KeyCRM account like "myshop" or "myshop.keycrm.app"'),
)

const CHAT_ID_MESSAGE =
  'must be a numeric chat id (e.g. -1001234567890; send /chatid to the bot to get it) or an @channel username'
/** A numeric chat id or an @channel username, as a string. */
export const chatId = v.pipe(
  v.union([v.pipe(v.number(), v.transform(String)), v.string()], CHAT_ID_MESSAGE),
  v.trim(),
  v.regex(CHAT_ID, CHAT_ID_MESSAGE),
)

const ADMINS = 'must list numeric Telegram user ids, e.g. 123456789,987654321'
/** Telegram user ids as a list (file) or comma/space separated (environment). */
export const admins = v.pipe(
  v.union(
    [
      v.pipe(
        v.array(v.unknown()),
        v.transform((items) => items.map((item) => String(item).trim())),
      ),
      v.pipe(
        v.string(),
        v.transform((list) => list.split(/[\s,]+/).filter((item) => item !== '')),
      ),
    ],
    ADMINS,
  ),
  v.everyItem((id) => USER_ID.test(id), ADMINS),
)

const STOCK_LOW = 'must be a number >= 0 (available units, e.g. 5)'
/** A low-stock threshold, from a number or a string of digits. */
export const stockLow = v.pipe(
  v.union(
    [v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d+(?:\.\d+)?$/), v.transform(Number))],
    STOCK_LOW,
  ),
  v.finite(STOCK_LOW),
  v.minValue(0, STOCK_LOW),
)

const LIMIT = 'must be a number >= 0'
const limit = v.optional(v.pipe(v.number(LIMIT), v.finite(LIMIT), v.minValue(0, LIMIT)))
const limitEntries = {
  globalPerSecond: limit,
  maxChatsPerRound: limit,
  globalRateLimitChats: limit,
  globalRateLimitWindowMs: limit,
  privateChatIntervalMs: limit,
  groupChatIntervalMs: limit,
  groupMessagesPerMinute: limit,
} satisfies Record<keyof DeliveryLimits, unknown>
/** The delivery worker's send-rate limits. */
export const limits = v.pipe(
  plainObject('must be an object'),
  v.objectWithRest(limitEntries, unknownOption(limitEntries)),
)

const template = v.union(
  [v.string(), v.custom<Exclude<Template, string>>((value) => typeof value === 'function')],
  'must be a string or a function',
)
/**
 * `format.managers`: KeyCRM manager (user) ids to the Telegram accounts messages mention,
 * `{ 6: { telegramUserId: 123456789, name: 'Олена' } }`.
 */
const managerEntries = {
  telegramUserId: wholeNumber(1, Number.MAX_SAFE_INTEGER),
  name: v.optional(nonEmptyText),
}
const managers = v.pipe(
  plainObject('must be an object like { 6: { telegramUserId: 123456789 } }'),
  v.record(
    v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, 'is not a KeyCRM user id (a whole number)')),
    v.pipe(
      plainObject('must be an object like { telegramUserId: 123456789, name: "Олена" }'),
      v.objectWithRest(managerEntries, unknownOption(managerEntries)),
    ),
  ),
)

const formatEntries = {
  statuses: v.optional(plainObject<StatusDictionary>('must be an object like { order: { 1: { name } } }')),
  templates: v.optional(
    v.pipe(
      plainObject('must be an object of templates by event kind'),
      v.record(v.picklist(routableKinds, `is not an event kind (${routableKinds.join(', ')})`), template),
    ),
  ),
  disableNotification: v.optional(v.boolean('must be true or false')),
  managers: v.optional(managers),
}
/** Status names, message templates, silent delivery, managers to mention. */
export const format = v.pipe(
  plainObject('must be an object'),
  v.objectWithRest(formatEntries, unknownOption(formatEntries)),
)

/** The store URL, parsed; the problem never quotes the URL (it may carry a password). */
export const store = v.pipe(
  nonEmptyText,
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseStoreUrl(dataset.value)
    if (parsed.ok) return parsed.store
    addIssue({ message: parsed.problem })
    return NEVER
  }),
)

/** Log format: coloured for people, JSON lines for collectors. */
export const logFormatSchema = oneOf(['pretty', 'json'])
/** Log levels, quietest last. */
export const logLevelSchema = oneOf(['debug', 'info', 'warn', 'error', 'silent'])
/** The Telegram framework of the bot role. */
export const botFrameworkSchema = oneOf(['grammy', 'telegraf'])
