/**
 * `keygram send-test [event-file]`: posts the bundled samples, or a given KeyCRM payload, to the running
 * webhook server, the way KeyCRM would.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { redactSecret } from '@keygram/core'
import type { KeygramConfig } from '../config/index.ts'
import { sampleStockWebhook, sampleWebhooks } from '../samples.ts'
import type { CheckLine } from './report.ts'

/** Options of {@link sendTest}. */
export interface SendTestOptions {
  config: Pick<KeygramConfig, 'url' | 'webhookSecret' | 'demoSecret'> & { demo?: boolean }
  /** A JSON file to post as is; default: the bundled samples. */
  file?: string
  /** Post KeyCRM's stock-balance sample instead of the event samples. */
  stock?: boolean
  /** Default: the global `fetch`. */
  fetch?: typeof fetch
}

/** Posts the webhooks; one report line per post. A line fails unless the server answered 2xx. */
export async function sendTest(options: SendTestOptions): Promise<CheckLine[]> {
  const { config } = options
  const fetchImpl = options.fetch ?? fetch
  const url = `${config.url}/webhooks/keycrm/${encodeURIComponent(config.webhookSecret)}`
  const shownUrl = config.demoSecret ? url : redactSecret(url, config.webhookSecret)
  const stockSample = sampleStockWebhook()
  const bodies: { name: string; text: string }[] =
    options.file !== undefined
      ? [{ name: options.file, text: await readFile(options.file, 'utf8') }]
      : options.stock
        ? [{ name: stockSample.name, text: JSON.stringify(stockSample.body) }]
        : sampleWebhooks().map((sample) => ({ name: sample.name, text: JSON.stringify(sample.body) }))
  const lines: CheckLine[] = [{ level: 'info', name: 'posting to', detail: shownUrl }]
  for (const { name, text } of bodies) {
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      })
      const reply = ((await response.json().catch(() => null)) ?? {}) as Answer
      lines.push(
        response.ok
          ? accepted(name, reply, config.demo === true)
          : { level: 'fail', name, detail: refused(response.status, reply, options.file !== undefined) },
      )
    } catch (error) {
      lines.push({
        level: 'fail',
        name,
        detail: `cannot reach ${config.url} (${causeOf(error)}); start the server with: keygram serve (or set KEYGRAM_URL)`,
      })
      break
    }
  }
  return lines
}

/** The server's JSON answer (see the webhook endpoint's table in the README). */
interface Answer {
  status?: string
  rows?: number
  crossings?: number
  messages?: number
  error?: string
  message?: string
  path?: string | null
}

const RESTART = 'where the server runs, then restart it'

/** What a 200 means, as a sentence with the next step. */
function accepted(name: string, reply: Answer, demo: boolean): CheckLine {
  const stock = reply.rows !== undefined ? `${reply.rows} stock row(s)` : null
  switch (reply.status) {
    case 'queued':
      return {
        level: 'ok',
        name,
        detail: stock
          ? `accepted: ${stock}, ${reply.crossings} threshold crossing(s), ${reply.messages} alert message(s) queued; the server sends them now`
          : demo
            ? 'accepted and queued; the server prints it in its terminal (demo mode: no bot token)'
            : 'accepted and queued; the server sends it to Telegram now',
      }
    case 'duplicate':
      return {
        level: 'ok',
        name,
        detail:
          'accepted as a repeat of a delivery already queued, so nothing new is sent (KeyCRM retries are dropped the same way)',
      }
    case 'no_alerts':
      return {
        level: 'ok',
        name,
        detail: `accepted: ${stock}, none crossed its threshold, so no alert (an alert goes out once, when stock falls to the threshold)`,
      }
    case 'unrouted':
      return {
        level: 'warn',
        name,
        detail: stock
          ? `accepted, but the server has no stock alert rule, so nothing is sent: set KEYGRAM_STOCK_LOW=5 (alerts KEYGRAM_CHAT_ID) or stockRules in keygram.config.ts ${RESTART}`
          : `accepted, but no route sends it to a chat, so nothing is sent: set KEYGRAM_CHAT_ID (keygram init finds it) or routes in keygram.config.ts ${RESTART}`,
      }
    default:
      return { level: 'ok', name, detail: `accepted (${reply.status ?? 'no status'})` }
  }
}

/** What a refusal means, as a sentence with the next step. */
function refused(status: number, reply: Answer, ownFile: boolean): string {
  const said =
    `${status} ${reply.error ?? ''}${reply.path ? ` at ${reply.path}` : ''}: ${reply.message ?? ''}`.trim()
  if (reply.error === 'wrong_secret' || reply.error === 'missing_secret')
    return `refused (${status} ${reply.error}): the server expects another webhook secret; run send-test with the server's .env (KEYGRAM_WEBHOOK_SECRET), or --url for the right server`
  if (status === 503) return `the server could not store it (${said}); check its store with: keygram doctor`
  if (status >= 400 && status < 500 && ownFile)
    return `refused (${said}); fix the JSON file and send it again`
  return `refused (${said})`
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause as { code?: string; message?: string } | undefined
  return cause?.code ?? cause?.message ?? error.message
}
