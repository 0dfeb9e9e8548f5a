/**
 * Is anything else polling this bot? Telegram answers the *older* of two pending `getUpdates` with 409, so a
 * probe always wins and the other poller is the one that hears about it. The check therefore:
 *
 * 1. reads the store's polling lease: a Keygram instance that polls through this store holds it, and is
 *    reported without asking Telegram at all (it is never disturbed);
 * 2. otherwise long-polls for a few seconds itself. A poller waiting at that moment gets one 409 and, if it
 *    retries (Keygram does), its next `getUpdates` ends this watch with 409: that is the proof of a foreign
 *    poller. A watch that runs out with nothing is the proof there was none that retries.
 *
 * The watch sends no offset, so it confirms no update, and no `allowed_updates`, so it changes no setting.
 *
 * @module
 */
import { type KeygramStore, pollingLeaseName } from '@keygram/core'
import { errorText } from '../../error-text.ts'
import type { BotApiCall, BotApiReply } from '../bot-api.ts'
import { describeReply } from '../bot-api.ts'
import type { CheckLine } from '../report.ts'

/** How long the watch waits for another poller by default, in seconds (Keygram retries a 409 within 1 s). */
export const DEFAULT_WATCH_SECONDS = 5

// Telegram holds back a second 409 within 3 s, so the proof can arrive that much after the watch ends.
const CONFLICT_PACING_MS = 3000

/** What the poller check needs. */
export interface PollerCheckInput {
  /** The configured store, or `null` when it could not be opened. */
  store: KeygramStore | null
  token: string
  call: BotApiCall
  watchSeconds?: number
  /** The bot role's port: its `/healthz` on this host says whether the lease holder really polls. */
  botPort: number
  fetch?: typeof fetch
}

const NAME = 'polling'

const WHAT_IT_COST =
  'Had another process been waiting for updates, this watch ended its wait with one 409: a poller that retries (Keygram does) shows up here, one that stops on a 409 (Telegraf launch(), grammY bot.start()) was stopped'

/** Reports who else polls the bot, disturbing no Keygram instance this store can see. */
export async function pollerCheck(input: PollerCheckInput): Promise<CheckLine> {
  if (input.store === null) {
    return {
      level: 'warn',
      name: NAME,
      detail:
        'not checked: the store is unreachable, so a Keygram instance polling through it cannot be seen, and asking Telegram would end its poll',
    }
  }
  const leaseName = pollingLeaseName(input.token)
  const before = await readLease(input.store, leaseName)
  if (typeof before === 'string') return { level: 'fail', name: NAME, detail: before }
  if (before !== null) return holderCheck(before, input)

  const seconds = input.watchSeconds ?? DEFAULT_WATCH_SECONDS
  const reply = await input.call(
    'getUpdates',
    { timeout: seconds, limit: 1 },
    seconds * 1000 + CONFLICT_PACING_MS + 5000,
  )
  return watchOutcome(reply, seconds, await readLease(input.store, leaseName))
}

type Lease = { holder: string; fencingToken: number; expiresAt: number }

/** The lease, `null` when nobody holds it, or why it cannot be read. */
async function readLease(store: KeygramStore, name: string): Promise<Lease | null | string> {
  try {
    return await store.guard.inspect(name)
  } catch (error) {
    return `the polling lease cannot be read (${errorText(error)}), so the check cannot tell a Keygram instance from another poller`
  }
}

interface BotHealth {
  status?: string
  state?: string
  reason?: string | null
  lastError?: string | null
}

/**
 * The lease holder, and how it fares by its own `/healthz` when it runs on this host (doctor usually runs
 * beside it, e.g. `docker compose exec telegram-bot`): holding the lease is not polling when it cannot
 * reach Telegram.
 */
async function holderCheck(lease: Lease, input: PollerCheckInput): Promise<CheckLine> {
  const polls = `${keygramPolls(lease)}; Telegram was not asked, so nothing was disturbed`
  const health = await (input.fetch ?? fetch)(`http://127.0.0.1:${input.botPort}/healthz`, {
    signal: AbortSignal.timeout(2000),
  })
    .then((response) => response.json() as Promise<BotHealth>)
    .catch(() => null)
  if (health === null || health.state === undefined)
    return {
      level: 'ok',
      name: NAME,
      detail: `${polls} (its /healthz is not on this host's port ${input.botPort}, so its state was not read)`,
    }
  if (health.state === 'polling' || health.state === 'standby')
    return { level: 'ok', name: NAME, detail: `${polls}; its /healthz says ${health.state}` }
  const why = health.lastError ?? health.reason ?? 'no reason given'
  return {
    level: health.status === 'ok' ? 'warn' : 'fail',
    name: NAME,
    detail: `${keygramPolls(lease)}, but its /healthz says ${health.state}: ${why}`,
  }
}

function keygramPolls(lease: Lease): string {
  const renews = Math.max(0, Math.round((lease.expiresAt - Date.now()) / 1000))
  return `a Keygram instance polls: ${lease.holder} holds the polling lease (renewed within ${renews} s)`
}

function watchOutcome(reply: BotApiReply, seconds: number, after: Lease | null | string): CheckLine {
  if (reply.ok) {
    const waiting = Array.isArray(reply.result) ? reply.result.length : 0
    if (waiting > 0) {
      return {
        level: 'info',
        name: NAME,
        detail:
          'none: updates wait at Telegram and nothing fetches them (the bot role, keygram serve --role bot, answers commands such as /chatid; notifications do not need it)',
      }
    }
    return { level: 'ok', name: NAME, detail: `none polled during a ${seconds} s watch. ${WHAT_IT_COST}` }
  }
  const description = reply.description ?? ''
  if (reply.error_code === 409 && /other getUpdates/.test(description)) {
    if (after !== null && typeof after !== 'string')
      return { level: 'ok', name: NAME, detail: `${keygramPolls(after)} (it started during the check)` }
    return {
      level: 'fail',
      name: NAME,
      detail:
        'another process polls this bot outside Keygram: its getUpdates ended this check. The check cost it at most one 409, which it retried. Stop it, or give it the same KEYGRAM_STORE as this one so that only one of them polls (see the docs: troubleshooting 409 conflicts)',
    }
  }
  if (reply.error_code === 409) {
    return {
      level: 'fail',
      name: NAME,
      detail: `Telegram refuses polling (409 ${description}): a webhook is set; Keygram's bot role deletes it when it starts, another program may set it again`,
    }
  }
  return {
    level: 'warn',
    name: NAME,
    detail: `not checked: the getUpdates watch failed (${describeReply(reply)})`,
  }
}
