/**
 * `keygram doctor`: checks the token, the webhook setting, other pollers and the store, and prints a
 * readable report.
 *
 * @module
 */
import { type KeygramStore, pollingLeaseName, redactSecret } from '@keygram/core'
import { describeStore, type KeygramConfig } from '../config/index.ts'
import type { CheckLine } from './report.ts'

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  config: KeygramConfig
  /** The configured store, opened by the caller (and closed by it). */
  store: KeygramStore
  /** Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Per Bot API call, in ms. Default 10000. */
  timeoutMs?: number
}

interface BotApiReply {
  ok: boolean
  result?: unknown
  error_code?: number
  description?: string
}

/** Runs every check. The report fails when any line has level `fail`. */
export async function runDoctor(options: DoctorOptions): Promise<CheckLine[]> {
  const { config, store } = options
  const lines: CheckLine[] = []
  lines.push({
    level: 'ok',
    name: 'config',
    detail: `${config.configFile ?? 'environment only'}; webhook port ${config.webhookPort}, bot port ${config.botPort}`,
  })

  const token = config.botToken
  if (token === null) {
    lines.push({
      level: 'warn',
      name: 'bot token',
      detail: 'TELEGRAM_BOT_TOKEN is not set: demo mode prints notifications instead of sending them',
    })
  } else {
    const call = (method: string, params: Record<string, unknown> = {}) =>
      callBotApi(
        config.telegramApiRoot,
        token,
        method,
        params,
        options.fetch ?? fetch,
        options.timeoutMs ?? 10_000,
      )
    const me = await call('getMe')
    if (me.ok) {
      const user = me.result as { id?: number; username?: string }
      lines.push({
        level: 'ok',
        name: 'bot token',
        detail: `@${user.username ?? '?'} (id ${user.id ?? '?'})`,
      })
    } else {
      lines.push({ level: 'fail', name: 'bot token', detail: `getMe failed: ${describe(me)}` })
    }

    const info = await call('getWebhookInfo')
    if (!info.ok) {
      lines.push({ level: 'fail', name: 'webhook info', detail: `getWebhookInfo failed: ${describe(info)}` })
    } else {
      const webhook = info.result as {
        url?: string
        pending_update_count?: number
        last_error_message?: string
      }
      lines.push(
        webhook.url
          ? {
              level: 'warn',
              name: 'telegram webhook',
              detail: `a Telegram webhook is set (${redactSecret(webhook.url, token)}); Keygram polls, and deletes it when polling starts`,
            }
          : {
              level: 'ok',
              name: 'telegram webhook',
              detail: `none set (polling works); ${webhook.pending_update_count ?? 0} pending update(s)`,
            },
      )
    }

    if (me.ok) lines.push(await pollerCheck(store, token, call))
  }

  try {
    await store.ping()
    const stats = await store.queue.stats(Date.now())
    lines.push({
      level: 'ok',
      name: 'store',
      detail: `${describeStore(config.store)} answers; ${stats.pending} pending, ${stats.claimed} in flight`,
    })
    lines.push(
      stats.dead > 0
        ? {
            level: 'warn',
            name: 'dead letters',
            detail: `${stats.dead} notification(s) ended undelivered: keygram dead-letter list`,
          }
        : { level: 'ok', name: 'dead letters', detail: 'none' },
    )
  } catch (error) {
    lines.push({
      level: 'fail',
      name: 'store',
      detail: `${describeStore(config.store)} is unreachable: ${redactSecret(errorText(error), token ?? [])}`,
    })
  }

  lines.push({
    level: 'info',
    name: 'KeyCRM',
    detail: `set the trigger's "Send webhook" action to POST ${config.url}/webhooks/keycrm/<KEYGRAM_WEBHOOK_SECRET> (a GET webhook carries no event and is refused)`,
  })
  return lines
}

// The lease tells whether a Keygram instance polls. Only when nobody holds it does a zero-timeout
// getUpdates probe look for a foreign poller or a webhook (409). The probe sends no offset, so it
// confirms no update; it does end a foreign long poll in flight, which is why it runs only then.
async function pollerCheck(
  store: KeygramStore,
  token: string,
  call: (method: string, params?: Record<string, unknown>) => Promise<BotApiReply>,
): Promise<CheckLine> {
  const name = 'other pollers'
  try {
    const lease = await store.guard.inspect(pollingLeaseName(token))
    if (lease !== null) {
      return {
        level: 'ok',
        name,
        detail: `a Keygram instance polls: ${lease.holder} holds the lease (fencing token ${lease.fencingToken}, renews within ${Math.max(0, Math.round((lease.expiresAt - Date.now()) / 1000))} s)`,
      }
    }
  } catch (error) {
    return { level: 'fail', name, detail: `the polling lease cannot be read: ${errorText(error)}` }
  }
  const probe = await call('getUpdates', { timeout: 0, limit: 1 })
  if (probe.ok)
    return { level: 'ok', name, detail: 'no Keygram instance polls and Telegram reports no conflict' }
  if (probe.error_code === 409) {
    return {
      level: 'fail',
      name,
      detail: `Telegram answered 409 (${probe.description ?? 'Conflict'}): another process polls this token outside Keygram, or a webhook is set`,
    }
  }
  return { level: 'warn', name, detail: `the getUpdates probe failed: ${describe(probe)}` }
}

async function callBotApi(
  apiRoot: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<BotApiReply> {
  try {
    const response = await fetchImpl(`${apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const reply = (await response.json().catch(() => null)) as BotApiReply | null
    if (reply !== null && typeof reply.ok === 'boolean') {
      return reply.description === undefined
        ? reply
        : { ...reply, description: redactSecret(reply.description, token) }
    }
    return { ok: false, error_code: response.status, description: `HTTP ${response.status}` }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    return { ok: false, description: redactSecret(cause ?? errorText(error), token) }
  }
}

function describe(reply: BotApiReply): string {
  return `${reply.error_code === undefined ? '' : `${reply.error_code} `}${reply.description ?? 'no answer'}`
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
