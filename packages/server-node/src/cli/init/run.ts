/**
 * `keygram init`: from a bot token to a working `.env`, checking each answer against Telegram and KeyCRM
 * as it is given, and ending with the exact URL to paste into KeyCRM.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { type FormatLocale, pollingLeaseName } from '@keygram/core'
import * as v from 'valibot'
import {
  botToken,
  chatId,
  keycrmApiKey,
  keycrmDomain,
  publicDomain,
  webhookSecret,
} from '../../config/fields.ts'
import { DEFAULT_STORE_URL, parseStoreUrl, type StoreLocation } from '../../config/index.ts'
import { type BotApiCall, botApiCaller, describeReply } from '../bot-api.ts'
import { listOrderStatuses, statusName } from '../keycrm-statuses.ts'
import { openStoreWithin, withDeadline } from '../open-store.ts'
import { readEnvFile, writeEnvFile, writeStarterConfig } from './files.ts'
import { type FoundChat, findChats } from './find-chat.ts'
import type { Prompter } from './prompts.ts'

/** Answers given as flags; the others are asked (or, without a terminal, taken from `.env` or skipped). */
export interface InitAnswers {
  token?: string
  chatId?: string
  domain?: string
  secret?: string
  keycrmKey?: string
  keycrmDomain?: string
  locale?: string
}

/** Options of {@link runInit}. */
export interface InitOptions {
  /** Where `.env` and `keygram.config.ts` go. */
  dir: string
  answers: InitAnswers
  telegramApiRoot: string
  keycrmApiUrl: string
  /** How long to wait for the bot to be added to a chat, in seconds. */
  waitSeconds: number
  /** Send a short message to the chosen chat, proving the bot can write there. */
  hello: boolean
  prompter: Prompter
  /** Whether a person answers: a wrong answer is then asked again instead of ending the set-up. */
  interactive: boolean
  print: (line: string) => void
  fetch?: typeof fetch
}

/** What `init` wrote and where KeyCRM must post. */
export interface InitResult {
  env: Record<string, string>
  webhookUrl: string
}

const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org'
const DEFAULT_KEYCRM_API_URL = 'https://openapi.keycrm.app/v1'
const LOCALES = [
  { value: 'uk', label: 'Українська' },
  { value: 'en', label: 'English' },
  { value: 'ru', label: 'Русский' },
] as const

/** The first problem of `value` against a config field's schema, worded after `name`. */
function problemOf(schema: v.GenericSchema, value: string, name: string): string | null {
  const result = v.safeParse(schema, value)
  return result.success ? null : `${name} ${result.issues[0].message}`
}

/** Where an answer may already be: a flag (final) or the `.env` of an earlier run (asked again if wrong). */
interface Given {
  flag?: string | undefined
  saved?: string | undefined
}

/** Asks until `check` finds no problem; a flag's value, or any answer of a run without a terminal, gets one try. */
async function valid(
  options: InitOptions,
  given: Given,
  ask: () => Promise<string>,
  check: (value: string) => Promise<string | null>,
): Promise<string> {
  let value = given.flag ?? given.saved ?? (await ask())
  for (;;) {
    const problem = await check(value)
    if (problem === null) return value
    if (!options.interactive || given.flag !== undefined) throw new Error(problem)
    options.print(`✖ ${problem}`)
    value = await ask()
  }
}

/** Runs the set-up; resolves what was written. Rejects (writing nothing) on a problem it cannot ask about. */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const { answers, prompter, print } = options
  const existing = await readEnvFile(options.dir)
  print(`Setting up Keygram in ${options.dir} (answers go to .env there; secrets you type are never shown).`)

  let bot = { username: '', name: '' }
  const token = await valid(
    options,
    { flag: answers.token, saved: existing.TELEGRAM_BOT_TOKEN },
    () => prompter.secret('Bot token from @BotFather', '--token'),
    async (value) => {
      const problem = problemOf(botToken, value, 'the token')
      if (problem !== null) return problem
      const me = await botApiCaller(options.telegramApiRoot, value, options.fetch)('getMe')
      if (!me.ok)
        return `Telegram refused the bot token (${describeReply(me)}); copy it again from @BotFather`
      const user = me.result as { username?: string; first_name?: string }
      bot = { username: user.username ?? '', name: user.first_name ?? '' }
      return null
    },
  )
  print(`✔ Bot token works: @${bot.username} ("${bot.name}")`)
  const call = botApiCaller(options.telegramApiRoot, token, options.fetch)

  const chat = await chooseChat(options, call, token, bot.username, existing.KEYGRAM_CHAT_ID)
  print(`✔ Chat: "${chat.title}" (${chat.type}, id ${chat.id})`)
  if (options.hello) await sayHello(call, chat, print)

  const locale = (answers.locale ??
    existing.KEYGRAM_LOCALE ??
    (await prompter.select('Language of the notifications', LOCALES, 'uk'))) as FormatLocale
  if (!LOCALES.some((entry) => entry.value === locale)) throw new Error(`--locale must be uk, en or ru`)

  const secret = await valid(
    options,
    { flag: answers.secret, saved: existing.KEYGRAM_WEBHOOK_SECRET },
    () => Promise.resolve(randomBytes(24).toString('hex')),
    async (value) => problemOf(webhookSecret, value, 'the webhook secret'),
  )
  print(
    `✔ Webhook secret: ${answers.secret !== undefined ? 'as given' : existing.KEYGRAM_WEBHOOK_SECRET !== undefined ? 'kept from .env' : 'generated'} (${secret.length} characters, in .env)`,
  )

  const host = await publicHost(options, existing.KEYGRAM_DOMAIN)
  const keycrm = await keycrmAnswers(options, existing, locale)

  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: token,
    KEYGRAM_WEBHOOK_SECRET: secret,
    KEYGRAM_CHAT_ID: chat.id,
    KEYGRAM_LOCALE: locale,
    ...(host === null ? {} : { KEYGRAM_DOMAIN: host }),
    ...keycrm,
    ...(options.telegramApiRoot === DEFAULT_TELEGRAM_API_ROOT
      ? {}
      : { TELEGRAM_API_ROOT: options.telegramApiRoot }),
    ...(options.keycrmApiUrl === DEFAULT_KEYCRM_API_URL || keycrm.KEYCRM_API_KEY === undefined
      ? {}
      : { KEYCRM_API_URL: options.keycrmApiUrl }),
  }
  const updated = await writeEnvFile(options.dir, env)
  print(`✔ ${updated ? 'Updated' : 'Wrote'} .env (readable by you only): ${Object.keys(env).join(', ')}`)
  print(
    (await writeStarterConfig(options.dir))
      ? '✔ Wrote keygram.config.ts: a starter for routes, status names and digests (it loads as it is)'
      : '✔ Kept the keygram.config.ts already there',
  )
  const webhookUrl = `https://${host ?? '<your host>'}/webhooks/keycrm/${secret}`
  printNextSteps(print, webhookUrl, host)
  return { env, webhookUrl }
}

async function chooseChat(
  options: InitOptions,
  call: BotApiCall,
  token: string,
  username: string,
  saved: string | undefined,
): Promise<FoundChat> {
  const typed = (given: Given) =>
    valid(
      options,
      given,
      () =>
        options.prompter.text('Chat id (send /chatid in the chat; the bot answers it)', {
          flag: '--chat-id',
        }),
      async (id) => problemOf(chatId, id, 'the chat id') ?? (await chatProblem(call, id)),
    ).then((id) => chatInfo(call, id))
  if (options.answers.chatId !== undefined) return typed({ flag: options.answers.chatId })
  if (saved !== undefined && (await options.prompter.confirm(`Keep the chat in .env (${saved})?`, true)))
    return typed({ saved })
  const poller = await keygramPoller(options.dir, token)
  if (poller !== null) {
    options.print(`Keygram already polls this bot (${poller}), so init leaves its updates alone.`)
    return typed({})
  }
  options.print(
    `→ Add @${username} to the Telegram group (or channel) that should get the notifications; if it is already there, send /start@${username} in it.`,
  )
  const search = await findChats(call, {
    username,
    waitSeconds: options.waitSeconds,
    onWaiting: () => options.print(`  Waiting up to ${options.waitSeconds} s for it (Ctrl-C to stop)...`),
  })
  if (!search.ok) {
    options.print(`✖ ${search.problem}.`)
    return typed({})
  }
  if (search.chats.length === 1 || !options.interactive) return search.chats[0]!
  const picked = await options.prompter.select(
    'Which chat gets the notifications?',
    search.chats.map((found) => ({ value: found.id, label: `${found.title} (${found.type}, ${found.id})` })),
  )
  return search.chats.find((found) => found.id === picked)!
}

async function chatProblem(call: BotApiCall, id: string): Promise<string | null> {
  const reply = await call('getChat', { chat_id: id })
  return reply.ok
    ? null
    : `the bot cannot reach chat ${id} (${describeReply(reply)}): add it to that chat first`
}

async function chatInfo(call: BotApiCall, id: string): Promise<FoundChat> {
  const reply = await call('getChat', { chat_id: id })
  const chat = (reply.result ?? {}) as { id?: number; type?: string; title?: string; first_name?: string }
  return { id: String(chat.id ?? id), title: chat.title ?? chat.first_name ?? id, type: chat.type ?? 'chat' }
}

async function sayHello(call: BotApiCall, chat: FoundChat, print: (line: string) => void): Promise<void> {
  const reply = await call('sendMessage', {
    chat_id: chat.id,
    text: 'Keygram is connected: KeyCRM notifications will arrive in this chat.',
  })
  print(
    reply.ok
      ? `✔ Sent a hello to "${chat.title}": it should be in Telegram now`
      : `⚠ The hello to "${chat.title}" failed (${describeReply(reply)}): the bot may not be allowed to write there`,
  )
}

/**
 * The holder of this bot's polling lease in the store `.env` names (or the default SQLite file, when it
 * exists), or `null`. A store that cannot be read counts as no poller: Telegram's 409 still stops the search.
 */
async function keygramPoller(dir: string, token: string): Promise<string | null> {
  const existing = await readEnvFile(dir)
  const parsed = parseStoreUrl(existing.KEYGRAM_STORE ?? process.env.KEYGRAM_STORE ?? DEFAULT_STORE_URL)
  if (!parsed.ok) return null
  let location: StoreLocation = parsed.store
  if (location.kind === 'sqlite') {
    const path = isAbsolute(location.path) ? location.path : resolve(dir, location.path)
    if (!existsSync(path)) return null
    location = { kind: 'sqlite', path }
  }
  if (location.kind === 'memory') return null
  const opening = await openStoreWithin(location, [token])
  if (!opening.ok) return null
  try {
    const lease = await opening.store.guard.inspect(pollingLeaseName(token))
    return lease === null ? null : `${lease.holder} holds its polling lease`
  } catch {
    return null
  } finally {
    await withDeadline(opening.store.close(), 1000).catch(() => {})
  }
}

/** The host KeyCRM posts to, from `https://hooks.example.com/` or `hooks.example.com`; `null` to fill in later. */
async function publicHost(options: InitOptions, saved: string | undefined): Promise<string | null> {
  const raw =
    options.answers.domain ??
    saved ??
    (options.interactive
      ? await options.prompter.text('Public host name KeyCRM will post to (empty: fill it in later)', {
          flag: '--domain',
          placeholder: 'hooks.example.com',
        })
      : '')
  if (raw === '') return null
  const text = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`
  if (!URL.canParse(text) || !/^[a-z0-9.-]+$/i.test(new URL(text).hostname))
    throw new Error(`--domain must be a host name such as hooks.example.com`)
  const host = new URL(text).host
  const problem = problemOf(publicDomain, host, 'the domain')
  if (problem !== null) throw new Error(problem)
  return host
}

/** The KeyCRM key (checked by listing the statuses) and account; both optional. */
async function keycrmAnswers(
  options: InitOptions,
  existing: Record<string, string>,
  locale: FormatLocale,
): Promise<Record<string, string>> {
  const { answers, prompter, print } = options
  const given = answers.keycrmKey ?? existing.KEYCRM_API_KEY
  const key =
    given ??
    (options.interactive
      ? await prompter.secret(
          'KeyCRM API key (empty: skip; without it statuses show as numbers such as "#20")',
          '--keycrm-key',
        )
      : '')
  const values: Record<string, string> = {}
  if (key !== '') {
    let statuses: string[] = []
    values.KEYCRM_API_KEY = await valid(
      options,
      answers.keycrmKey === undefined ? { saved: key } : { flag: key },
      () => prompter.secret('KeyCRM API key', '--keycrm-key'),
      async (value) => {
        const problem = problemOf(keycrmApiKey, value, 'the KeyCRM API key')
        if (problem !== null) return problem
        const listing = await listOrderStatuses(
          value,
          options.keycrmApiUrl,
          options.fetch === undefined ? {} : { fetch: options.fetch },
        )
        if (!listing.ok) return listing.problem
        statuses = listing.statuses.map((status) => `${status.id} ${statusName(status, locale)}`)
        return null
      },
    )
    print(`✔ KeyCRM API key works; notifications will name its ${statuses.length} order statuses:`)
    print(`    ${statuses.join(' · ')}`)
  } else {
    print(
      '• No KeyCRM API key: statuses show as numbers until you set KEYCRM_API_KEY or name them in keygram.config.ts (format.statuses)',
    )
  }
  const domain =
    answers.keycrmDomain ??
    existing.KEYCRM_DOMAIN ??
    (options.interactive
      ? await prompter.text('KeyCRM account for "Open in KeyCRM" buttons (empty: skip)', {
          flag: '--keycrm-domain',
          placeholder: 'myshop',
        })
      : '')
  if (domain !== '') {
    const problem = problemOf(keycrmDomain, domain, '--keycrm-domain')
    if (problem !== null) throw new Error(problem)
    values.KEYCRM_DOMAIN = domain
    print(`✔ KeyCRM account: ${domain}`)
  }
  return values
}

function printNextSteps(print: (line: string) => void, webhookUrl: string, host: string | null): void {
  print('')
  print('In KeyCRM: Settings → Additional → Automation → Add trigger (e.g. "order status changed"),')
  print('action "Send webhook", method POST, and this URL:')
  print(`    ${webhookUrl}`)
  print('It holds the webhook secret: paste it into KeyCRM only, not into chats or tickets.')
  if (host === null) print('Replace <your host> with the name your server answers HTTPS on.')
  print('')
  print('Next: start Keygram here with  keygram serve  (or deploy: see "Go live in 15 minutes" in the docs),')
  print('then check it with  keygram doctor  and send a sample with  keygram send-test.')
}
