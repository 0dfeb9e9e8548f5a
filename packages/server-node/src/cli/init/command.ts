/**
 * The `keygram init` command: flags for every answer, questions for the rest when a terminal is there.
 *
 * @module
 */
import { resolve } from 'node:path'
import { type ArgsDef, defineCommand } from 'citty'
import { readsEnv } from '../usage.ts'
import { readEnvFile } from './files.ts'
import { flagsOnly, InitCancelled, terminalPrompter } from './prompts.ts'
import type { InitAnswers } from './run.ts'

const answerFlags = {
  token: { type: 'string', description: 'Bot token from @BotFather (asked, masked, when not given)' },
  'chat-id': {
    type: 'string',
    description: 'Chat to notify; default: found when you add the bot to a group (or send /start there)',
  },
  domain: {
    type: 'string',
    description: 'Public host name KeyCRM posts to, e.g. hooks.example.com (KEYGRAM_DOMAIN)',
  },
  secret: { type: 'string', description: 'Webhook secret (default: kept from .env, or generated)' },
  'keycrm-key': { type: 'string', description: 'KeyCRM API key: checked, and its order statuses listed' },
  'keycrm-domain': { type: 'string', description: 'KeyCRM account (myshop) for "Open in KeyCRM" buttons' },
  locale: { type: 'enum', options: ['uk', 'en', 'ru'], description: 'Language of the notifications' },
} satisfies ArgsDef

/** `keygram init`. */
export const initCommand = readsEnv(
  defineCommand({
    meta: {
      name: 'init',
      description: 'Set up Keygram: check the bot token, find the chat, write .env and keygram.config.ts',
    },
    args: {
      ...answerFlags,
      dir: {
        type: 'string',
        description: 'Folder for .env and keygram.config.ts (default: the current one)',
      },
      yes: {
        type: 'boolean',
        default: false,
        description: 'Ask nothing: take answers from flags and an existing .env, skip the optional ones',
      },
      wait: {
        type: 'string',
        default: '300',
        description: 'Seconds to wait for the bot to be added to a chat',
      },
      hello: { type: 'boolean', default: true, description: 'Send a short hello to the chosen chat' },
      'telegram-api-root': {
        type: 'string',
        description: 'Bot API root (default: $TELEGRAM_API_ROOT or https://api.telegram.org)',
      },
      'keycrm-api-url': {
        type: 'string',
        description: 'KeyCRM API base URL (default: $KEYCRM_API_URL or https://openapi.keycrm.app/v1)',
      },
    },
    async run({ args }) {
      const waitSeconds = Number(args.wait)
      if (!Number.isInteger(waitSeconds) || waitSeconds < 1)
        throw new Error('--wait must be a whole number of seconds, e.g. --wait 120')
      const interactive = !args.yes && process.stdin.isTTY === true && process.stdout.isTTY === true
      const answers: InitAnswers = {}
      const flags: [keyof InitAnswers, string | undefined][] = [
        ['token', args.token],
        ['chatId', args['chat-id']],
        ['domain', args.domain],
        ['secret', args.secret],
        ['keycrmKey', args['keycrm-key']],
        ['keycrmDomain', args['keycrm-domain']],
        ['locale', args.locale],
      ]
      for (const [name, value] of flags) if (value !== undefined) answers[name] = value
      const { runInit } = await import('./run.ts')
      const dir = resolve(args.dir ?? '.')
      // The API roots, like the answers, may come from an earlier run's .env (a test against the fakes).
      const saved = await readEnvFile(dir)
      const telegramApiRoot =
        args['telegram-api-root'] ??
        process.env.TELEGRAM_API_ROOT ??
        saved.TELEGRAM_API_ROOT ??
        'https://api.telegram.org'
      const keycrmApiUrl =
        args['keycrm-api-url'] ??
        process.env.KEYCRM_API_URL ??
        saved.KEYCRM_API_URL ??
        'https://openapi.keycrm.app/v1'
      try {
        await runInit({
          dir,
          answers,
          telegramApiRoot: telegramApiRoot.replace(/\/+$/, ''),
          keycrmApiUrl: keycrmApiUrl.replace(/\/+$/, ''),
          waitSeconds,
          hello: args.hello !== false,
          prompter: interactive ? terminalPrompter : flagsOnly(),
          interactive,
          print: (line) => process.stdout.write(`${line}\n`),
        })
      } catch (error) {
        if (error instanceof InitCancelled) {
          process.stderr.write(`keygram: ${error.message}\n`)
          process.exit(130)
        }
        throw error
      }
    },
  }),
  ['TELEGRAM_API_ROOT', 'KEYCRM_API_URL'],
)
