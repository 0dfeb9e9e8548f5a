/**
 * `keygram init`: from a bot token to a working `.env`, checking each answer against Telegram and KeyCRM
 * as it is given, and ending with the exact URL to paste into KeyCRM.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { FormatLocale } from '@keygram/core'
import { botToken, publicDomain, webhookSecret } from '../../config/fields.ts'
import { botApiCaller, describeReply } from '../bot-api.ts'
import { problemOf, valid } from './ask.ts'
import { chooseChat, sayHello } from './chat-step.ts'
import { readEnvFile, writeEnvFile, writeStarterConfig } from './files.ts'
import { keycrmAnswers } from './keycrm-step.ts'
import type { InitOptions, InitResult } from './types.ts'

export type { InitAnswers, InitOptions, InitResult } from './types.ts'

const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org'
const DEFAULT_KEYCRM_API_URL = 'https://openapi.keycrm.app/v1'
const LOCALES = [
  { value: 'uk', label: 'Українська' },
  { value: 'en', label: 'English' },
  { value: 'ru', label: 'Русский' },
] as const

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
