/**
 * The checks of what was set up: where each value came from, variables Keygram ignores, whether any chat
 * receives the notifications (and the bot can see it), status names, and where KeyCRM must post.
 *
 * @module
 */
import { type KeygramStore, readSubscriptions } from '@keygram/core'
import type { KeygramConfig } from '../../config/index.ts'
import { errorText } from '../../error-text.ts'
import { type BotApiCall, describeReply } from '../bot-api.ts'
import { listOrderStatuses } from '../keycrm-statuses.ts'
import type { CheckLine } from '../report.ts'

/** `config: keygram.config.ts; from .env: TELEGRAM_BOT_TOKEN, ...; from the environment: ...`. */
export function configLine(config: KeygramConfig): CheckLine {
  const from = (kind: string) =>
    config.sources.filter((source) => source.from === kind).map((source) => source.name)
  const groups = [
    ['from .env', from('.env')],
    ['from the environment', from('environment')],
    ['from the config file', from('config file')],
  ] as const
  const parts = groups
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${names.join(', ')}`)
  const file = config.configFile ?? 'no config file'
  return {
    level: 'ok',
    name: 'config',
    detail: `${file}; ${parts.length === 0 ? 'nothing set, all defaults' : parts.join('; ')}`,
  }
}

/** One warning per variable Keygram does not read but probably was meant to. */
export function strayLines(config: KeygramConfig): CheckLine[] {
  return config.strayVariables.map((variable) => ({
    level: 'warn',
    name: 'variables',
    detail: `${variable.name} (${variable.from === '.env' ? 'in .env' : 'in the environment'}) is not a Keygram variable and changes nothing${
      variable.suggestion === null ? '' : `; did you mean ${variable.suggestion}?`
    }`,
  }))
}

/** Every chat the configured routes name (not the route functions of the programmatic API). */
function configuredChats(config: KeygramConfig): string[] {
  const chats = config.routes.flatMap((rule) => [
    ...(rule.chatId === undefined ? [] : [String(rule.chatId)]),
    ...(rule.chats ?? []).map((chat) => String(chat.chatId)),
  ])
  return [...new Set(chats)]
}

// getChat for this many chats at most: enough for every real setup, bounded for a generated one.
const CHATS_CHECKED = 5

/**
 * Fails when no chat receives notifications (no `KEYGRAM_CHAT_ID`, no routes, no `/subscribe`d chat),
 * naming a near-miss variable; otherwise asks Telegram whether the bot can see each configured chat.
 */
export async function chatLines(
  config: KeygramConfig,
  store: KeygramStore | null,
  call: BotApiCall | null,
): Promise<CheckLine[]> {
  if (config.demo) {
    return [{ level: 'info', name: 'chats', detail: 'demo mode: notifications are printed in the terminal' }]
  }
  const chats = configuredChats(config)
  const subscribed =
    store === null
      ? null
      : await readSubscriptions(store.kv).then(
          (list) => list.length,
          () => null,
        )
  if (chats.length === 0 && !subscribed) {
    const nearMiss = config.strayVariables.find((variable) => variable.suggestion === 'KEYGRAM_CHAT_ID')
    const hint =
      nearMiss === undefined
        ? ''
        : ` (${nearMiss.name} is set${nearMiss.from === '.env' ? ' in .env' : ''}: did you mean KEYGRAM_CHAT_ID?)`
    return [
      {
        level: 'fail',
        name: 'chats',
        detail: `no chat receives notifications, so nothing would be delivered${hint}. Set KEYGRAM_CHAT_ID (keygram init finds it; or send /chatid in the group once the bot runs), add routes in keygram.config.ts, or /subscribe in a chat`,
      },
    ]
  }
  const counted = subscribed ? `; ${subscribed} chat(s) subscribed with /subscribe` : ''
  const lines: CheckLine[] = [
    {
      level: 'ok',
      name: 'chats',
      detail: `${chats.length === 0 ? 'no configured chat' : chats.join(', ')}${counted}`,
    },
  ]
  if (call === null) return lines
  for (const chatId of chats.slice(0, CHATS_CHECKED)) {
    const reply = await call('getChat', { chat_id: chatId })
    if (reply.ok) continue
    lines.push({
      level: reply.error_code === undefined ? 'warn' : 'fail',
      name: 'chats',
      detail: `the bot cannot reach chat ${chatId} (${describeReply(reply)}): add the bot to that group or channel, or correct the chat id`,
    })
  }
  return lines
}

/** Whether statuses will read as names or as `#20`, and whether the KeyCRM API key works. */
export async function statusLine(config: KeygramConfig, fetchImpl?: typeof fetch): Promise<CheckLine> {
  const name = 'status names'
  const { apiKey, apiUrl } = config.keycrm
  if (apiKey !== null) {
    const listing = await listOrderStatuses(
      apiKey,
      apiUrl,
      fetchImpl === undefined ? {} : { fetch: fetchImpl },
    )
    if (listing.ok)
      return {
        level: 'ok',
        name,
        detail: `from KeyCRM: the API key works, ${listing.statuses.length} order statuses`,
      }
    return { level: listing.refused ? 'fail' : 'warn', name, detail: listing.problem }
  }
  const named = Object.keys(config.format.statuses?.order ?? {}).length
  if (named > 0)
    return {
      level: 'ok',
      name,
      detail: `${named} order statuses named in format.statuses of the config file`,
    }
  return {
    level: config.demo ? 'info' : 'warn',
    name,
    detail:
      'statuses show as numbers ("#20"): set KEYCRM_API_KEY (keygram init checks it and lists the statuses) or name them in keygram.config.ts under format.statuses',
  }
}

/** Where KeyCRM's trigger must post: the public URL, the secret masked. */
export function triggerLine(config: KeygramConfig): CheckLine {
  if (config.demoSecret) {
    return {
      level: 'info',
      name: 'KeyCRM',
      detail: `demo mode: try it with keygram send-test (posts to ${config.url}/webhooks/keycrm/${config.webhookSecret})`,
    }
  }
  const source =
    config.sources.find((entry) => entry.name === 'KEYGRAM_WEBHOOK_SECRET')?.from ?? 'config file'
  const where =
    source === '.env' ? 'in .env' : source === 'environment' ? 'in the environment' : 'in the config file'
  const unset = config.domain === null ? ' Set KEYGRAM_DOMAIN to the host name to see it here.' : ''
  return {
    level: 'info',
    name: 'KeyCRM',
    detail: `set the trigger's "Send webhook" action to method POST and URL https://${config.domain ?? '<your host>'}/webhooks/keycrm/<KEYGRAM_WEBHOOK_SECRET> (the secret is ${where}; keygram init prints the whole URL). A GET webhook carries no event and is refused.${unset}`,
  }
}

/** The store answers, how much is queued and dead; or why it cannot be used. */
export async function storeLines(
  store: KeygramStore | null,
  storeProblem: string | null,
  description: string,
): Promise<CheckLine[]> {
  if (store === null)
    return [{ level: 'fail', name: 'store', detail: storeProblem ?? `${description} is unavailable` }]
  try {
    const stats = await store.queue.stats(Date.now())
    return [
      {
        level: 'ok',
        name: 'store',
        detail: `${description} answers; ${stats.pending} pending, ${stats.claimed} in flight`,
      },
      stats.dead > 0
        ? {
            level: 'warn',
            name: 'dead letters',
            detail: `${stats.dead} notification(s) ended undelivered: see them with keygram dead-letter list`,
          }
        : { level: 'ok', name: 'dead letters', detail: 'none' },
    ]
  } catch (error) {
    return [{ level: 'fail', name: 'store', detail: `${description} failed to answer: ${errorText(error)}` }]
  }
}
