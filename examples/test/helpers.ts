/**
 * Shared pieces of the examples' tests: a real KeyCRM payload, polling for a condition, and posting a
 * webhook to a running example.
 */
import { readFileSync } from 'node:fs'

/** A production-shaped KeyCRM order status webhook body (order 23196), as KeyCRM posts it. */
export const orderWebhookBody = readFileSync(
  new URL(
    '../../packages/core/test/fixtures/order.change_order_status.production-abbreviated.json',
    import.meta.url,
  ),
  'utf8',
)

/** Resolves once `check()` is truthy; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => unknown, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Posts `body` as KeyCRM does (JSON, no custom headers) and returns the status and parsed answer. */
export async function postWebhook(
  url: string,
  body: string = orderWebhookBody,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}
