/**
 * The `keygram` command tree (citty). Each command says which environment variables it reads (its
 * `--help` lists them) and ends with one sentence that says what happened and what to do next.
 *
 * @module
 */
import { defineCommand } from 'citty'
import packageJson from '../../package.json' with { type: 'json' }
import {
  ConfigError,
  ENV_VARIABLES,
  type KeygramConfig,
  loadConfig,
  type ServerRole,
} from '../config/index.ts'
import { errorText } from '../error-text.ts'
import { configSecrets, createServerLogger } from '../logging/index.ts'
import { auditText, sinceTime } from './audit.ts'
import { listDeadLetterText, replayDeadLetterIds } from './dead-letter.ts'
import { DEFAULT_WATCH_SECONDS, runDoctor } from './doctor/index.ts'
import { initCommand } from './init/command.ts'
import { openStoreWithin, withDeadline } from './open-store.ts'
import { renderReport, summaryOf } from './report.ts'
import { sendTest } from './send-test.ts'
import { readsEnv } from './usage.ts'

const configArg = {
  config: {
    type: 'string',
    description: 'Config file (default: keygram.config.* in the current folder, or $KEYGRAM_CONFIG)',
    valueHint: 'file',
  },
} as const

/** Loads the config, or prints its problems and exits 1 (nothing has started yet). */
async function configOrExit(configFile: string | undefined): Promise<KeygramConfig> {
  try {
    return await loadConfig(configFile === undefined ? {} : { configFile })
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${error.message}\nFix them (in .env, the environment or the config file) and run the command again.\n`,
      )
      process.exit(1)
    }
    throw error
  }
}

function fail(message: string): never {
  process.stderr.write(`keygram: ${message}\n`)
  process.exit(1)
}

/** The store of `config`, answering within the CLI's deadline, or exits with one line saying why not. */
async function storeOrExit(config: KeygramConfig) {
  const opening = await openStoreWithin(config.store, configSecrets(config))
  if (!opening.ok) fail(opening.problem)
  return opening.store
}

const STORE_ENV = ['KEYGRAM_STORE', 'KEYGRAM_CONFIG'] as const

const serveCommand = readsEnv(
  defineCommand({
    meta: { name: 'serve', description: 'Run the webhook server (9000), the Telegram bot (9001), or both' },
    args: {
      role: {
        type: 'enum',
        options: ['webhook', 'bot', 'all'],
        default: 'all',
        description: 'webhook: KeyCRM webhooks + delivery; bot: guarded polling + commands; all: both',
      },
      'send-samples': {
        type: 'boolean',
        default: false,
        description: 'Once listening, post the bundled sample KeyCRM webhooks to this server (a first look)',
      },
      ...configArg,
    },
    async run({ args }) {
      const config = await configOrExit(args.config)
      const role = args.role as ServerRole
      if (args['send-samples'] && role === 'bot')
        fail('--send-samples needs the webhook role (--role webhook or all)')
      // Loaded here: the server (frameworks, HTTP) is the heavy part, and only this command needs it.
      const { serve } = await import('../serve.ts')
      // The fatal line goes through the server's logger, so with JSON logs it is a JSON line like the rest.
      const logger = createServerLogger(config)
      try {
        await serve({ role, config, logger })
      } catch (error) {
        logger.fatal(`could not start: ${errorText(error)}. Check the setup with: keygram doctor`)
        process.exit(1)
      }
      if (args['send-samples']) {
        // The same path KeyCRM takes: over HTTP to the webhook route, so the first look shows the real thing.
        const lines = await sendTest({ config })
        process.stdout.write(`${renderReport(lines)}\n`)
      }
    },
  }),
  ENV_VARIABLES.map((variable) => variable.name),
)

const sendTestCommand = readsEnv(
  defineCommand({
    meta: {
      name: 'send-test',
      description: 'Post the bundled sample KeyCRM webhooks (or a JSON file) to the running server',
    },
    args: {
      file: {
        type: 'positional',
        required: false,
        description: 'A KeyCRM webhook body (JSON) to post as is',
      },
      stock: {
        type: 'boolean',
        description: "Post KeyCRM's stock-balance webhook sample instead (an array, same URL)",
      },
      url: {
        type: 'string',
        description: 'Base URL of the webhook server (default: $KEYGRAM_URL or 127.0.0.1)',
      },
      ...configArg,
    },
    async run({ args }) {
      const config = await configOrExit(args.config)
      const target = args.url === undefined ? config : { ...config, url: args.url.replace(/\/+$/, '') }
      const lines = await sendTest({
        config: target,
        ...(args.file ? { file: args.file } : {}),
        ...(args.stock ? { stock: true } : {}),
      })
      process.stdout.write(`${renderReport(lines)}\n`)
      if (lines.some((line) => line.level === 'fail')) process.exit(1)
    },
  }),
  ['KEYGRAM_URL', 'WEBHOOK_PORT', 'KEYGRAM_WEBHOOK_SECRET', 'KEYGRAM_CONFIG'],
)

const doctorCommand = readsEnv(
  defineCommand({
    meta: {
      name: 'doctor',
      description: 'Check the configuration, bot token, chats, other pollers, the store and KeyCRM',
    },
    args: { ...configArg },
    async run({ args }) {
      const config = await configOrExit(args.config)
      process.stderr.write(
        `Checking (the look for other pollers watches Telegram for ${DEFAULT_WATCH_SECONDS} s)...\n`,
      )
      const opening = await openStoreWithin(config.store, configSecrets(config))
      const store = opening.ok ? opening.store : null
      const lines = await runDoctor({
        config,
        store,
        ...(opening.ok ? {} : { storeProblem: opening.problem }),
      })
      process.stdout.write(`${renderReport(lines)}\n\n${summaryOf(lines, 'keygram doctor')}\n`)
      if (store !== null) await withDeadline(store.close(), 1000).catch(() => {})
      // A store client left retrying (Redis, PostgreSQL) must not keep the process alive.
      process.exit(lines.some((line) => line.level === 'fail') ? 1 : 0)
    },
  }),
  [
    'TELEGRAM_BOT_TOKEN',
    'TELEGRAM_API_ROOT',
    'KEYGRAM_WEBHOOK_SECRET',
    'KEYGRAM_CHAT_ID',
    'KEYGRAM_STORE',
    'KEYCRM_API_KEY',
    'KEYCRM_API_URL',
    'KEYGRAM_CONFIG',
  ],
)

const listCommand = readsEnv(
  defineCommand({
    meta: { name: 'list', description: 'List notifications that ended undelivered' },
    args: { limit: { type: 'string', default: '50', description: 'At most this many' }, ...configArg },
    async run({ args }) {
      const limit = Number(args.limit)
      if (!Number.isInteger(limit) || limit < 1)
        fail('--limit must be a positive whole number, e.g. --limit 20')
      const config = await configOrExit(args.config)
      const store = await storeOrExit(config)
      try {
        process.stdout.write(`${await listDeadLetterText(store, limit)}\n`)
      } finally {
        await store.close()
      }
    },
  }),
  STORE_ENV,
)

const replayCommand = readsEnv(
  defineCommand({
    meta: { name: 'replay', description: 'Queue dead letters again (all, or those given with --id)' },
    args: {
      id: { type: 'string', description: 'Dead letter id(s), comma-separated or repeated' },
      ...configArg,
    },
    async run({ args }) {
      const raw = args.id as string | string[] | undefined
      const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter((value) => value !== '')
      const config = await configOrExit(args.config)
      const store = await storeOrExit(config)
      let count: number
      try {
        count = await replayDeadLetterIds(store, ids)
      } finally {
        await store.close()
      }
      if (count === 0 && ids.length > 0)
        fail(`no dead letter has the id ${ids.join(', ')}; see the ids with: keygram dead-letter list`)
      process.stdout.write(
        count === 0
          ? 'No dead letters to replay.\n'
          : `${count} notification${count === 1 ? '' : 's'} queued again; a running webhook server (keygram serve) delivers them.\n`,
      )
    },
  }),
  STORE_ENV,
)

const auditCommand = readsEnv(
  defineCommand({
    meta: {
      name: 'audit',
      description: 'Who pressed which action button on a card, when, and what came of it',
    },
    args: {
      order: { type: 'string', description: 'Only this order or lead id' },
      since: { type: 'string', default: '7d', description: 'From when: 30m, 24h, 7d or a date (2026-12-01)' },
      ...configArg,
    },
    async run({ args }) {
      const now = Date.now()
      const fromMs = sinceTime(args.since, now)
      if (fromMs === null) fail(`--since must be a duration (30m, 24h, 7d) or a date, not "${args.since}"`)
      const id = args.order === undefined ? undefined : Number(args.order.replace(/^#/, ''))
      if (id !== undefined && !(Number.isInteger(id) && id > 0)) fail('--order must be an order or lead id')
      const config = await configOrExit(args.config)
      const store = await storeOrExit(config)
      try {
        process.stdout.write(
          `${await auditText(store, { fromMs, now, ...(id === undefined ? {} : { id }) })}\n`,
        )
      } finally {
        await store.close()
      }
    },
  }),
  STORE_ENV,
)

/** `keygram`: the command-line entry of `@keygram/server-node`. */
export const keygramCommand = defineCommand({
  meta: {
    name: 'keygram',
    version: packageJson.version,
    description: 'KeyCRM webhooks to Telegram notifications',
  },
  subCommands: {
    init: initCommand,
    serve: serveCommand,
    'send-test': sendTestCommand,
    doctor: doctorCommand,
    audit: auditCommand,
    'dead-letter': defineCommand({
      meta: { name: 'dead-letter', description: 'Inspect and replay undelivered notifications' },
      subCommands: { list: listCommand, replay: replayCommand },
    }),
  },
})
