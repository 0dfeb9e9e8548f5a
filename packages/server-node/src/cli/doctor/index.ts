/**
 * `keygram doctor`: checks the configuration, the token, the chats, other pollers, the store and KeyCRM,
 * and prints a readable report that never says "all clear" when it is not.
 *
 * @module
 */
import type { KeygramStore } from '@keygram/core'
import { describeStore, type KeygramConfig } from '../../config/index.ts'
import { type BotApiCall, botApiCaller, describeReply } from '../bot-api.ts'
import type { CheckLine } from '../report.ts'
import { pollerCheck } from './poller-check.ts'
import { chatLines, configLine, statusLine, storeLines, strayLines, triggerLine } from './setup-checks.ts'

export { DEFAULT_WATCH_SECONDS } from './poller-check.ts'

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  config: KeygramConfig
  /** The configured store, opened by the caller (and closed by it); `null` when it could not be opened. */
  store: KeygramStore | null
  /** Why the store could not be opened, when `store` is `null`. */
  storeProblem?: string
  /** Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Per Bot API call, in ms. Default 10000. */
  timeoutMs?: number
  /** How long the watch for another poller lasts, in seconds. Default {@link DEFAULT_WATCH_SECONDS}. */
  watchSeconds?: number
}

/** Runs every check. The report fails when any line has level `fail`. */
export async function runDoctor(options: DoctorOptions): Promise<CheckLine[]> {
  const { config, store } = options
  const lines: CheckLine[] = [
    configLine(config),
    { level: 'ok', name: 'ports', detail: `webhook server ${config.webhookPort}, bot ${config.botPort}` },
    ...strayLines(config),
  ]
  const call =
    config.botToken === null
      ? null
      : botApiCaller(config.telegramApiRoot, config.botToken, options.fetch, options.timeoutMs)
  const tokenWorks = call === null ? false : await telegramLines(call, lines)
  lines.push(...(await chatLines(config, store, tokenWorks ? call : null)))
  if (call !== null && tokenWorks) {
    lines.push(
      await pollerCheck({
        store,
        token: config.botToken!,
        call,
        botPort: config.botPort,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.watchSeconds === undefined ? {} : { watchSeconds: options.watchSeconds }),
      }),
    )
  }
  lines.push(...(await storeLines(store, options.storeProblem ?? null, describeStore(config.store))))
  lines.push(await statusLine(config, options.fetch), triggerLine(config))
  return lines
}

/** The token (getMe) and the webhook setting; resolves whether the token works. */
async function telegramLines(call: BotApiCall, lines: CheckLine[]): Promise<boolean> {
  const me = await call('getMe')
  if (!me.ok) {
    const refused = me.error_code === 401 || me.error_code === 404
    lines.push({
      level: 'fail',
      name: 'bot token',
      detail: refused
        ? `Telegram refused the token (${describeReply(me)}): copy it again from @BotFather into TELEGRAM_BOT_TOKEN`
        : `Telegram did not answer getMe (${describeReply(me)}): check the network or TELEGRAM_API_ROOT`,
    })
    return false
  }
  const user = me.result as { id?: number; username?: string; first_name?: string }
  lines.push({
    level: 'ok',
    name: 'bot token',
    detail: `@${user.username ?? '?'} "${user.first_name ?? ''}" (id ${user.id ?? '?'})`,
  })
  const info = await call('getWebhookInfo')
  if (!info.ok) {
    lines.push({
      level: 'warn',
      name: 'telegram webhook',
      detail: `not checked: getWebhookInfo failed (${describeReply(info)})`,
    })
    return true
  }
  const webhook = info.result as { url?: string; pending_update_count?: number }
  lines.push(
    webhook.url
      ? {
          level: 'warn',
          name: 'telegram webhook',
          detail:
            'a Telegram webhook is set on this bot: Keygram polls, and its bot role deletes the webhook when it starts',
        }
      : {
          level: 'ok',
          name: 'telegram webhook',
          detail: `none set, so polling works; ${webhook.pending_update_count ?? 0} update(s) waiting`,
        },
  )
  return true
}
