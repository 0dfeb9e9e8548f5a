/**
 * Jobs rendered at send time: what the notifier enqueues when rendering is deferred to the worker.
 *
 * @module
 */
import { escapeHtml } from '../format/escape.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'
import type { RouteTarget } from './routes.ts'
import type { NewJob, RenderRequest } from './types.ts'

/** The webhook body a {@link RenderRequest} carries: the event name and the context as received. */
export function renderWebhookOf(event: KeycrmEvent): RenderRequest['webhook'] {
  return { event: event.event, context: event.kind === 'unknown' ? event.context : event.context.raw }
}

/**
 * One job per target, each carrying a {@link RenderRequest} instead of a formatted message. The stored
 * `message` and `summaryLine` only name the event (`order.change_order_status #23196`): they are what a
 * dead-letter listing shows, and what is sent should rendering itself ever fail.
 */
export function buildDeferredJobs(event: KeycrmEvent, targets: readonly RouteTarget[]): NewJob[] {
  const webhook = renderWebhookOf(event)
  const id = event.context.id
  const line = escapeHtml(
    typeof id === 'number' || typeof id === 'string' ? `${event.event} #${id}` : event.event,
  )
  const jobs: NewJob[] = []
  for (const target of targets) {
    const render: RenderRequest = { webhook }
    if (target.locale !== undefined) render.locale = target.locale
    if (target.disableNotification !== undefined) render.disableNotification = target.disableNotification
    const message: TelegramMessage = {
      text: line,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    }
    if (target.disableNotification !== undefined) message.disable_notification = target.disableNotification
    const job: NewJob = { chatId: target.chatId, message, summaryLine: line, render }
    if (target.threadId !== undefined) job.threadId = target.threadId
    jobs.push(job)
  }
  return jobs
}
