import type { FakeBotApi } from '../../src/fake-bot-api/index.ts'

/** A raw Bot API answer: HTTP status plus the parsed JSON body. */
export interface RawAnswer {
  status: number
  body: {
    ok: boolean
    result?: unknown
    error_code?: number
    description?: string
    parameters?: { retry_after?: number; migrate_to_chat_id?: number }
  }
  text: string
}

/** How {@link callApi} encodes parameters. */
export type Encoding = 'json' | 'form' | 'multipart'

/** Call the fake with plain fetch, the way a minimal client would. */
export async function callApi(
  fake: Pick<FakeBotApi, 'url' | 'token'>,
  method: string,
  params: Record<string, unknown> = {},
  options: { token?: string; encoding?: Encoding; signal?: AbortSignal } = {},
): Promise<RawAnswer> {
  const url = `${fake.url}/bot${options.token ?? fake.token}/${method}`
  const encoding = options.encoding ?? 'json'
  const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
  let init: RequestInit
  if (encoding === 'json') {
    init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }
  } else if (encoding === 'form') {
    const form = new URLSearchParams()
    for (const [key, value] of Object.entries(params)) form.set(key, asText(value))
    init = { method: 'POST', body: form }
  } else {
    const form = new FormData()
    for (const [key, value] of Object.entries(params)) form.set(key, asText(value))
    init = { method: 'POST', body: form }
  }
  const res = await fetch(url, { ...init, signal: options.signal ?? null })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), text }
}

/** Poll a condition until it holds or the time is up. */
export async function waitFor(condition: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Both frameworks confirm the offset on stop with the offset they just polled with; a low repeat window keeps
 * Telegram's 3 s "repeated offset" poll from slowing every test down.
 */
export const FAST_STOP = { repeatedOffsetPollMs: 50, conflictPacingMs: 50 }

/** Telegram's 409 descriptions, written out independently of the fake's own constants. */
export const CONFLICT_OTHER_POLL =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'
export const CONFLICT_WEBHOOK =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
