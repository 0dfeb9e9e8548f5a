/**
 * The `keygram` command tree (citty).
 *
 * @module
 */
import { defineCommand } from 'citty'
import { ConfigError, type KeygramConfig, loadConfig, type ServerRole } from '../config/index.ts'
import { errorText } from '../error-text.ts'
import { createServerLogger } from '../logging/index.ts'
import { openStore } from '../open-store.ts'
import { serve } from '../serve.ts'
import { auditText, sinceTime } from './audit.ts'
import { listDeadLetterText, replayDeadLetterIds } from './dead-letter.ts'
import { runDoctor } from './doctor.ts'
import { renderReport } from './report.ts'
import { sendTest } from './send-test.ts'

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
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

function fail(message: string): never {
  process.stderr.write(`keygram: ${message}\n`)
  process.exit(1)
}

const serveCommand = defineCommand({
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
    // The fatal line goes through the server's logger, so with JSON logs it is a JSON line like the rest.
    const logger = createServerLogger(config)
    try {
      await serve({ role, config, logger })
    } catch (error) {
      logger.fatal(`could not start: ${errorText(error)}`)
      process.exit(1)
    }
    if (args['send-samples']) {
      if (role === 'bot') fail('--send-samples needs the webhook role (--role webhook or all)')
      // The same path KeyCRM takes: over HTTP to the webhook route, so the first look shows the real thing.
      const lines = await sendTest({ config })
      process.stdout.write(`${renderReport(lines)}\n`)
    }
  },
})

const sendTestCommand = defineCommand({
  meta: {
    name: 'send-test',
    description: 'Post the bundled sample KeyCRM webhooks (or a JSON file) to the running server',
  },
  args: {
    file: { type: 'positional', required: false, description: 'A KeyCRM webhook body (JSON) to post as is' },
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
})

const doctorCommand = defineCommand({
  meta: { name: 'doctor', description: 'Check the bot token, webhook, other pollers and the store' },
  args: { ...configArg },
  async run({ args }) {
    const config = await configOrExit(args.config)
    const store = openStore(config.store)
    try {
      const lines = await runDoctor({ config, store })
      process.stdout.write(`${renderReport(lines)}\n`)
      if (lines.some((line) => line.level === 'fail')) process.exitCode = 1
    } finally {
      await store.close().catch(() => {})
    }
  },
})

const listCommand = defineCommand({
  meta: { name: 'list', description: 'List notifications that ended undelivered' },
  args: { limit: { type: 'string', default: '50', description: 'At most this many' }, ...configArg },
  async run({ args }) {
    const limit = Number(args.limit)
    if (!Number.isInteger(limit) || limit < 1) fail('--limit must be a positive whole number')
    const config = await configOrExit(args.config)
    const store = openStore(config.store)
    try {
      process.stdout.write(`${await listDeadLetterText(store, limit)}\n`)
    } finally {
      await store.close()
    }
  },
})

const replayCommand = defineCommand({
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
    const store = openStore(config.store)
    try {
      const count = await replayDeadLetterIds(store, ids)
      process.stdout.write(
        `${count} notification${count === 1 ? '' : 's'} queued again; a running webhook server delivers them.\n`,
      )
    } finally {
      await store.close()
    }
  },
})

const auditCommand = defineCommand({
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
    const store = openStore(config.store)
    try {
      process.stdout.write(
        `${await auditText(store, { fromMs, now, ...(id === undefined ? {} : { id }) })}\n`,
      )
    } finally {
      await store.close()
    }
  },
})

/** `keygram`: the command-line entry of `@keygram/server-node`. */
export const keygramCommand = defineCommand({
  meta: {
    name: 'keygram',
    description: 'KeyCRM webhooks to Telegram notifications',
  },
  subCommands: {
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
