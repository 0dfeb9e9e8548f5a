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
  config: Pick<KeygramConfig, 'url' | 'webhookSecret' | 'demoSecret'>
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
      const reply = (await response.json().catch(() => null)) as Record<string, unknown> | null
      const detail = response.ok
        ? `${response.status} ${String(reply?.status ?? '')} (${String(reply?.deliveryKey ?? '')})`
        : `${response.status} ${String(reply?.error ?? '')}: ${String(reply?.message ?? response.statusText)}`
      lines.push({ level: response.ok ? 'ok' : 'fail', name, detail })
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

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause as { code?: string; message?: string } | undefined
  return cause?.code ?? cause?.message ?? error.message
}
