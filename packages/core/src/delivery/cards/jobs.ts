/**
 * The notifier's side of live cards: which targets get a card, and the jobs that carry their card requests.
 *
 * @module
 */
import type { FormatLocale } from '../../format/types.ts'
import type { KeycrmEvent } from '../../webhook/types.ts'
import { buildDeferredJobs, renderWebhookOf } from '../deferred-jobs.ts'
import type { RouteTarget } from '../routes.ts'
import type { NewJob } from '../types.ts'
import { isLoud } from './loud.ts'
import { cardEntityOf } from './record.ts'

/** Splits `targets` into those that get a live card of `event` and the rest (one message per change). */
export function splitCardTargets(
  event: KeycrmEvent,
  targets: readonly RouteTarget[],
  cardsOn: boolean,
): { cards: RouteTarget[]; messages: RouteTarget[] } {
  if (!cardsOn || targets.length === 0 || cardEntityOf(renderWebhookOf(event)) === null)
    return { cards: [], messages: [...targets] }
  const cards: RouteTarget[] = []
  const messages: RouteTarget[] = []
  for (const target of targets) (target.cards === false ? messages : cards).push(target)
  return { cards, messages }
}

/**
 * One job per target that updates the target's card of `event`'s order or lead; rendered by the worker
 * when it sends (a card shows its state at that moment). `locale` is the notifier's, for targets without
 * their own, so a worker with default formatting still speaks the chat's language.
 */
export function buildCardJobs(
  event: KeycrmEvent,
  targets: readonly RouteTarget[],
  locale: FormatLocale | undefined,
): NewJob[] {
  const entity = cardEntityOf(renderWebhookOf(event))
  if (entity === null) return []
  return buildDeferredJobs(event, targets).map((job, index) => {
    const target = targets[index]!
    const render = { ...job.render!, card: { ...entity, loud: target.loud ?? isLoud(event) } }
    if (render.locale === undefined && locale !== undefined) render.locale = locale
    return { ...job, render }
  })
}
