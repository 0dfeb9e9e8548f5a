/**
 * How an invalid configuration is reported: one line per problem, all at once, each naming the variable
 * or the config file's field (with its path inside lists), never a secret.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, type EnvRecord, resolveConfig } from '../src/config/index.ts'

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
const SECRET = 'f3a9c1d27b8e4f60a1b2c3d4e5f60718'
const FILE = { configFileLabel: 'keygram.config.ts' }

function errorOf(fileConfig: unknown, env: EnvRecord): ConfigError {
  try {
    resolveConfig(fileConfig, env, FILE)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

const problemsOf = (fileConfig: unknown, env: EnvRecord = {}) => [...errorOf(fileConfig, env).problems]

describe('configuration problems', () => {
  it('names a file value by its field and an environment value by its variable, field by field in order', () => {
    expect(
      problemsOf({ webhookPort: 'abc', locale: 'xx' }, { BOT_PORT: '65536', LOG_LEVEL: 'loud' }),
    ).toEqual([
      'keygram.config.ts: locale must be one of uk, en, ru',
      'keygram.config.ts: webhookPort must be a whole number from 0 to 65535',
      'BOT_PORT must be a whole number from 0 to 65535',
      'LOG_LEVEL must be one of debug, info, warn, error, silent',
    ])
  })

  it('checks only the value that wins: a variable replaces a bad file value', () => {
    const config = resolveConfig(
      { webhookPort: 'abc', locale: 'xx' },
      { WEBHOOK_PORT: '9100', KEYGRAM_LOCALE: 'EN' },
    )
    expect(config.webhookPort).toBe(9100)
    expect(config.format.locale).toBe('en')
  })

  it('reports problems inside routes, stock rules, digests, limits and format with their path', () => {
    const problems = problemsOf({
      routes: [{ chatId: -100123 }, { chatId: -100456 }, { chatId: 'general' }],
      stockRules: [
        { low: 1, chats: [{ chatId: -100123 }] },
        { low: -1, chats: [{ chatId: -100123 }] },
      ],
      digests: [{ chatId: -100123 }, { chatId: -100123, cron: 7 }],
      limits: { groupChatIntervalMs: -5, perSecond: 3 },
      format: { templates: { order_created: 'x' }, disableNotification: 'yes' },
    })
    expect(problems).toEqual([
      'keygram.config.ts: routes[2].chatId: expected a numeric chat id or @username',
      expect.stringMatching(/^keygram\.config\.ts: format\.templates\.order_created is not an event kind/),
      'keygram.config.ts: format.disableNotification must be true or false',
      'keygram.config.ts: limits.groupChatIntervalMs must be a number >= 0',
      expect.stringMatching(
        /^keygram\.config\.ts: limits: unknown option "perSecond"; valid options: globalPerSecond, /,
      ),
      expect.stringMatching(/^keygram\.config\.ts: stockRules\[1\]\.low: /),
      'keygram.config.ts: digests[1].cron must be a cron pattern such as "0 9 * * *"',
    ])
  })

  it("takes managers' Telegram accounts and reports a bad entry by its path", () => {
    const managers = { 6: { telegramUserId: 123456789, name: 'Олена' }, 7: { telegramUserId: '42' } }
    expect(resolveConfig({ format: { managers } }, {}, FILE).format.managers).toEqual({
      6: { telegramUserId: 123456789, name: 'Олена' },
      7: { telegramUserId: 42 },
    })
    expect(
      problemsOf({ format: { managers: { x: { telegramUserId: 1 }, 6: { telegramUserId: 0, id: 1 } } } }),
    ).toEqual([
      'keygram.config.ts: format.managers.6.telegramUserId must be a whole number from 1 to 9007199254740991',
      'keygram.config.ts: format.managers.6: unknown option "id"; valid options: telegramUserId, name',
      'keygram.config.ts: format.managers.x is not a KeyCRM user id (a whole number)',
    ])
  })

  it('reports every problem of every route rule, one line each, not just the first of a rule', () => {
    expect(
      problemsOf({
        routes: [
          { chatId: -100123 },
          { chatId: 'sales', kind: ['order_status'], chatID: -100456 },
          { threadId: 2, topic: 'orders' },
        ],
      }),
    ).toEqual([
      'keygram.config.ts: routes[1].chatId: expected a numeric chat id or @username',
      'keygram.config.ts: routes[1]: unknown option "kind" (did you mean "kinds"?); valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
      'keygram.config.ts: routes[1]: unknown option "chatID" (did you mean "chatId"?); valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
      'keygram.config.ts: routes[2]: unknown option "topic"; valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud',
      'keygram.config.ts: routes[2]: a rule needs chatId or chats',
      'keygram.config.ts: routes[2]: threadId needs chatId',
    ])
  })

  it('words nested problems plainly: no validation-library internals, the valid keys, the likely fix', () => {
    const problems = problemsOf({
      routes: [
        { chatId: 1, kind: ['order_status'] },
        { chatId: 2, threadId: 'x', chats: [{ chatId: 3, thread: 1 }] },
      ],
      stockRules: [{ low: 1, sku: ['a'] }],
      format: { showProduct: true },
      digests: [{ chatId: 1, crn: '0 9 * * *' }],
    })
    expect(problems.join('\n')).not.toMatch(/Invalid (?:key|type|value)|Expected never|received/)
    expect(problems).toEqual([
      `keygram.config.ts: routes[0]: unknown option "kind" (did you mean "kinds"?); valid options: chatId, threadId, chats, kinds, statusIds, statusNames, statusGroups, paymentStatuses, sourceIds, managerIds, quietHours, disableNotification, locale, cards, loud`,
      'keygram.config.ts: routes[1].threadId: expected a number, got "x"',
      'keygram.config.ts: routes[1].chats[0]: unknown option "thread"; valid options: chatId, threadId',
      'keygram.config.ts: format: unknown option "showProduct"; valid options: statuses, templates, disableNotification, managers',
      'keygram.config.ts: stockRules[0].chats is required',
      'keygram.config.ts: stockRules[0]: unknown option "sku" (did you mean "skus"?); valid options: skus, low, hysteresis, backInStock, chats, locale, disableNotification',
      'keygram.config.ts: digests[0]: unknown option "crn" (did you mean "cron"?); valid options: chatId, threadId, cron, timeZone, locale, currency, disableNotification',
    ])
  })

  it('refuses implausible secrets and says the minimums', () => {
    const production = { TELEGRAM_BOT_TOKEN: TOKEN, KEYGRAM_WEBHOOK_SECRET: SECRET }
    expect(problemsOf(undefined, { ...production, KEYCRM_API_KEY: 'k' })).toEqual([
      expect.stringMatching(
        /^KEYCRM_API_KEY does not look like a KeyCRM API key \(16 or more characters, no spaces\)/,
      ),
    ])
    expect(problemsOf(undefined, { ...production, KEYGRAM_WEBHOOK_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^KEYGRAM_WEBHOOK_SECRET must be 16 to 256 URL-safe characters/),
    ])
  })

  it("runs the digest scheduler's own checks once the schedules are well formed", () => {
    expect(
      problemsOf({ digests: [{ chatId: -100123 }, { chatId: '@x', cron: 'nope', threadId: 1.5 }] }),
    ).toEqual([
      'keygram.config.ts: digests[1].chatId: expected a numeric chat id or @username',
      'keygram.config.ts: digests[1].threadId: expected a positive integer',
      expect.stringMatching(/^keygram\.config\.ts: digests\[1\]\.cron: /),
    ])
    expect(problemsOf({ digests: [{ cron: '0 9 * * *' }] })).toEqual([
      'keygram.config.ts: digests[0].chatId is required',
    ])
  })

  it('reports every unknown option, at the top and inside objects, and a file that is no object', () => {
    expect(
      problemsOf({
        colour: 'red',
        webhookPorts: 9000,
        format: { locale: 'en' },
        digests: [{ chatId: 1, at: 9 }],
      }),
    ).toEqual([
      expect.stringMatching(
        /^keygram\.config\.ts: unknown option "colour"; valid options: botToken, webhookSecret, /,
      ),
      expect.stringMatching(
        /^keygram\.config\.ts: unknown option "webhookPorts" \(did you mean "webhookPort"\?\); valid options: botToken, /,
      ),
      'keygram.config.ts: format: unknown option "locale"; valid options: statuses, templates, disableNotification, managers',
      'keygram.config.ts: digests[0]: unknown option "at"; valid options: chatId, threadId, cron, timeZone, locale, currency, disableNotification',
    ])
    // KEYGRAM_RATE_LIMIT has no config field: `rateLimit` in the file is a typo like any other.
    expect(problemsOf({ rateLimit: 5 })).toEqual([
      expect.stringMatching(/^keygram\.config\.ts: unknown option "rateLimit"; valid options: /),
    ])
    expect(problemsOf([{ chatId: 1 }], { WEBHOOK_PORT: 'x' })).toEqual([
      'keygram.config.ts must export an object (use defineKeygramConfig({...}))',
      'WEBHOOK_PORT must be a whole number from 0 to 65535',
    ])
  })

  it('reports a rule between fields once, beside its field, and not when a field it reads is itself wrong', () => {
    const production = { TELEGRAM_BOT_TOKEN: TOKEN, KEYGRAM_WEBHOOK_SECRET: SECRET }
    expect(
      problemsOf(undefined, { ...production, KEYGRAM_STOCK_LOW: '3', WEBHOOK_PORT: '1', BOT_PORT: '1' }),
    ).toEqual([
      'BOT_PORT must differ from WEBHOOK_PORT (both 1): the webhook and bot servers each need their own port',
      expect.stringMatching(/^KEYGRAM_STOCK_LOW needs KEYGRAM_CHAT_ID/),
    ])
    // The chat id is wrong: fixing it fixes the stock alerts too, so only the chat id is reported.
    expect(
      problemsOf(undefined, { ...production, KEYGRAM_STOCK_LOW: '3', KEYGRAM_CHAT_ID: 'sales' }),
    ).toEqual([expect.stringMatching(/^KEYGRAM_CHAT_ID must be a numeric chat id/)])
    // Out of range, both ports are reported as such, not also as the same port.
    expect(problemsOf(undefined, { WEBHOOK_PORT: '99999', BOT_PORT: '99999' })).toEqual([
      'WEBHOOK_PORT must be a whole number from 0 to 65535',
      'BOT_PORT must be a whole number from 0 to 65535',
    ])
    // A token, even a malformed one, means production: the missing secret is reported in the same run.
    expect(problemsOf(undefined, { TELEGRAM_BOT_TOKEN: 'nope' })).toEqual([
      expect.stringMatching(/^TELEGRAM_BOT_TOKEN does not look like a bot token/),
      expect.stringMatching(/^KEYGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set/),
    ])
    expect(
      problemsOf({
        routes: [{ chatId: 1, statusNames: ['Paid'] }, { chatId: 2 }, { chatId: 3, statusNames: ['Sent'] }],
      }),
    ).toEqual([
      "keygram.config.ts: routes[0].statusNames: status names need KeyCRM's status list; set KEYCRM_API_KEY or use statusIds",
      "keygram.config.ts: routes[2].statusNames: status names need KeyCRM's status list; set KEYCRM_API_KEY or use statusIds",
    ])
  })

  it('never echoes a secret, wherever it was put by mistake', () => {
    const apiKey = 'crm-live-5f0e1d2c3b4a'
    const storePassword = 'hunter2hunter2'
    const secret = 'my webhook secret'
    const error = errorOf(
      {
        keycrmApiKey: apiKey,
        botToken: `${TOKEN}!`,
        admins: [TOKEN],
        chatId: apiKey,
        digests: [{ chatId: TOKEN, currency: TOKEN }],
      },
      {
        KEYGRAM_WEBHOOK_SECRET: secret,
        KEYGRAM_STORE: `redis://:${storePassword}@`,
        // Pasted into the wrong variables.
        WEBHOOK_PORT: TOKEN,
        KEYGRAM_URL: TOKEN,
        KEYGRAM_LOCALE: apiKey,
        KEYGRAM_CURRENCY: secret,
        KEYGRAM_TIME_ZONE: TOKEN,
        KEYCRM_DOMAIN: `${TOKEN}.keycrm.app`,
        KEYGRAM_STOCK_LOW: apiKey,
        KEYGRAM_RATE_LIMIT: storePassword,
        LOG_FORMAT: TOKEN,
      },
    )
    expect(error.problems).toHaveLength(15)
    for (const value of [TOKEN, apiKey, storePassword, secret]) expect(error.message).not.toContain(value)
  })
})
