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

/**
 * The production order webhook moved to `statusId` (in status group `groupId`) at 10:`minute` UTC, as
 * KeyCRM posts a later change of the same order.
 */
export function orderStatusBody(statusId: number, groupId: number, minute: number): string {
  const body = JSON.parse(orderWebhookBody) as { context: Record<string, unknown> }
  const at = `2026-12-07 10:${String(minute).padStart(2, '0')}:00`
  Object.assign(body.context, {
    status_id: statusId,
    status_group_id: groupId,
    status_changed_at: at,
    updated_at: at,
  })
  return JSON.stringify(body)
}
