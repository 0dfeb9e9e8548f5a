/**
 * A press of an action button, from the callback query to KeyCRM and back to the card: the token is
 * verified and bound to this chat and card, the presser's right checked, a confirmation shown where the
 * transition asks for one; then the change is applied at most once (an action record in the store, and
 * KeyCRM's current status read first), the card edited at once with who changed it, and the press audited.
 *
 * @module
 */

import type { CardRecord } from '../delivery/cards/record.ts'
import { cardKey } from '../delivery/cards/record.ts'
import { commitCardChange, readCard } from '../delivery/cards/state.ts'
import type { JobRenderer } from '../delivery/render.ts'
import type { ChatTarget, KeygramStore, RenderRequest, TelegramTransport } from '../delivery/types.ts'
import { escapeHtml } from '../format/escape.ts'
import { messageHash } from '../format/hash.ts'
import type { FormatLocale } from '../format/types.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import { KeycrmApiError } from '../keycrm/errors.ts'
import { recordAction } from './audit.ts'
import { createActionCardDecorator } from './card-buttons.ts'
import type { ActionKeyboards } from './keyboard.ts'
import { mayPress } from './permissions.ts'
import { findTransition, type Transition } from './rules.ts'
import { actionStrings } from './strings.ts'
import type { ActionBotApi } from './telegram.ts'
import type { ActionClaims, ActionTokens } from './token.ts'

/** The parts of a Telegram `CallbackQuery` the handler reads. */
export interface CallbackQueryLike {
  id: string
  from: { id: number; first_name?: string; last_name?: string; username?: string }
  message?: { chat: { id: number | string }; message_id: number; message_thread_id?: number }
  data?: string
}

/** What came of a press (also what the audit keeps). */
export type ActionOutcomeKind =
  | 'applied'
  | 'asked'
  | 'back'
  | 'forbidden'
  | 'stale'
  | 'conflict'
  | 'duplicate'
  | 'failed'

/** One press and its outcome. */
export interface ActionOutcome {
  outcome: ActionOutcomeKind
  pressId: string
  userId: number
  userName: string
  chatId: string
  entity: 'order' | 'lead'
  id: number
  from: number
  to: number
  at: number
  detail?: string
}

/** Options of {@link createActionHandler}. */
export interface ActionHandlerOptions {
  store: Pick<KeygramStore, 'kv' | 'events'>
  tokens: ActionTokens
  keyboards: ActionKeyboards
  keycrm: Pick<KeycrmClient, 'order' | 'lead' | 'updateOrderStatus' | 'updateLeadStatus'>
  api: ActionBotApi
  /** Edits the card after a press; sends the rare note of a failure told after the answer went. */
  transport: Pick<TelegramTransport, 'sendMessage'> & Required<Pick<TelegramTransport, 'editMessageText'>>
  /** Renders cards as the worker does (the same formatting). */
  renderer: JobRenderer
  admins: readonly (string | number)[]
  locale?: FormatLocale
  /** How long a card's state is kept (the edit window plus a day), in ms. */
  cardTtlMs: number
  /** How long the presser waits for the outcome before a "Changing…" toast, in ms. Default 2500. */
  answerWithinMs?: number
  /** How long a confirmation stays before the card's buttons come back, in ms. Default 60 000. */
  confirmMs?: number
  /** How long an action record stays (a replay within it is recognised), in ms. Default 8 days. */
  recordTtlMs?: number
  now?: () => number
  onOutcome?: (outcome: ActionOutcome) => void
  onError?: (error: unknown) => void
}

/** Handles presses of action buttons. */
export interface ActionHandler {
  /** Handles one callback query; resolves its outcome. Never throws for a bad token or a KeyCRM failure. */
  handle(query: CallbackQueryLike): Promise<ActionOutcome>
  /** Cancels the pending "confirmation expired" restores. */
  stop(): void
}

interface Press {
  query: CallbackQueryLike
  target: ChatTarget
  messageId: number
  userName: string
  now: number
  answer: (text?: string, alert?: boolean) => Promise<void>
  answered: () => boolean
}

type Change =
  | { kind: 'changed' | 'already'; context: Record<string, unknown> }
  | { kind: 'conflict'; context: Record<string, unknown>; current: number }

// A person waits on every KeyCRM request of a press: it goes before enrichment and product names.
const ACTION = { priority: 'action' } as const
const ACTION_PENDING_MS = 60_000

/** Creates the handler. */
export function createActionHandler(options: ActionHandlerOptions): ActionHandler {
  const { store, tokens, keyboards, api } = options
  const strings = actionStrings(options.locale)
  const clock = options.now ?? Date.now
  const admins = new Set(options.admins.map(String))
  const decorate = createActionCardDecorator(keyboards, clock)
  const confirmations = new Map<string, ReturnType<typeof setTimeout>>()
  const recordTtlMs = options.recordTtlMs ?? 8 * 24 * 60 * 60 * 1000
  // Tells this handler's pending presses from those of a process that died mid-press.
  const owner = crypto.randomUUID()

  function report(
    press: Press,
    claims: Partial<ActionClaims>,
    outcome: ActionOutcomeKind,
    detail?: string,
  ): ActionOutcome {
    const result: ActionOutcome = {
      outcome,
      pressId: press.query.id,
      userId: press.query.from.id,
      userName: press.userName,
      chatId: press.target.chatId,
      entity: claims.entity ?? 'order',
      id: claims.id ?? 0,
      from: claims.fromStatus ?? 0,
      to: claims.toStatus ?? 0,
      at: press.now,
      ...(detail === undefined ? {} : { detail }),
    }
    const { pressId, at, id, ...entry } = result
    recordAction(store.events, { ...entry, pressId, id }, at).catch((error) => options.onError?.(error))
    try {
      options.onOutcome?.(result)
    } catch {
      // A metrics hook must not break a press.
    }
    return result
  }

  /** The card re-rendered with fresh buttons; `record` as it is, or as a change leaves it. */
  async function renderCard(press: Press, claims: ActionClaims, record: CardRecord) {
    const request: RenderRequest = {
      webhook: record.latest,
      card: { entity: claims.entity, id: claims.id, loud: false },
      ...(options.locale === undefined ? {} : { locale: options.locale }),
    }
    const message = await options.renderer.card(request, record)
    return decorate({
      target: press.target,
      card: request.card!,
      record,
      messageId: press.messageId,
      message,
    })
  }

  async function restoreButtons(press: Press, claims: ActionClaims): Promise<void> {
    const record = await readCard(store.kv, cardKey(press.target, claims))
    if (record === null) return
    const card = await renderCard(press, claims, record)
    if (card.reply_markup !== undefined)
      await api.editMessageReplyMarkup(press.target, press.messageId, card.reply_markup)
  }

  function cancelConfirmation(press: Press): void {
    const key = `${press.target.chatId}:${press.messageId}`
    clearTimeout(confirmations.get(key))
    confirmations.delete(key)
  }

  async function ask(press: Press, claims: ActionClaims): Promise<ActionOutcome> {
    await press.answer()
    const rows = await keyboards.confirmation(claims, press.now)
    await api.editMessageReplyMarkup(press.target, press.messageId, { inline_keyboard: rows })
    cancelConfirmation(press)
    const timer = setTimeout(() => {
      confirmations.delete(`${press.target.chatId}:${press.messageId}`)
      restoreButtons(press, claims).catch((error) => options.onError?.(error))
    }, options.confirmMs ?? 60_000)
    ;(timer as { unref?: () => void }).unref?.()
    confirmations.set(`${press.target.chatId}:${press.messageId}`, timer)
    return report(press, claims, 'asked')
  }

  async function readStatus(claims: ActionClaims): Promise<Record<string, unknown>> {
    const entity =
      claims.entity === 'order'
        ? await options.keycrm.order(claims.id, { include: '', ...ACTION })
        : await options.keycrm.lead(claims.id, { include: '', ...ACTION })
    return flatColumns(entity as unknown as Record<string, unknown>)
  }

  // KeyCRM's current status first: a change someone made meanwhile is a conflict, and a change already there
  // (an earlier press whose answer was lost) is not applied again.
  async function changeInKeycrm(claims: ActionClaims): Promise<Change> {
    const before = await readStatus(claims)
    const current = Number(before.status_id)
    if (current === claims.toStatus) return { kind: 'already', context: before }
    if (current !== claims.fromStatus) return { kind: 'conflict', context: before, current }
    const updated =
      claims.entity === 'order'
        ? await options.keycrm.updateOrderStatus(claims.id, claims.toStatus, ACTION)
        : await options.keycrm.updateLeadStatus(claims.id, claims.toStatus, ACTION)
    const after = flatColumns(updated as unknown as Record<string, unknown>)
    return { kind: 'changed', context: { ...before, ...after, status_id: claims.toStatus } }
  }

  /** The card after `change`, edited in place; who changed it shown when it is theirs. */
  async function showOnCard(press: Press, claims: ActionClaims, change: Change): Promise<void> {
    const event = claims.entity === 'order' ? 'order.change_order_status' : 'lead.change_lead_status'
    const iso = new Date(press.now).toISOString()
    const context = {
      status_changed_at: iso,
      updated_at: iso,
      ...change.context,
      ...(change.kind === 'conflict' ? {} : { status_id: claims.toStatus }),
    }
    const key = cardKey(press.target, claims)
    const record = await commitCardChange(
      store.kv,
      key,
      {
        webhook: { event, context },
        ...(change.kind === 'conflict' ? {} : { changedBy: { name: press.userName, at: press.now } }),
      },
      { now: press.now, ttlMs: options.cardTtlMs },
    )
    const card = await renderCard(press, claims, record)
    const result = await options.transport.editMessageText(press.target, press.messageId, card)
    if (result.ok || result.kind === 'not_modified') {
      await commitCardChange(
        store.kv,
        key,
        {
          messageId: press.messageId,
          shownHash: messageHash(card),
          ...(record.sentAt === null ? { sentAt: press.now } : {}),
        },
        { now: press.now, ttlMs: options.cardTtlMs },
      )
    }
  }

  /**
   * Claims the press's action record: `new`, `retry` (an earlier try failed, or died with its process),
   * `busy` or `done`. Only one process polls a bot at a time (the polling lease), so a press another
   * handler left pending was interrupted: this one takes it over, and reading KeyCRM's status first keeps
   * a change that did reach KeyCRM from being sent twice.
   */
  async function claimAction(key: string, now: number): Promise<'new' | 'retry' | 'busy' | 'done'> {
    const pending = { state: 'pending', at: now, owner }
    if (await store.kv.setIfAbsent(key, pending, { ttlMs: recordTtlMs })) return 'new'
    const existing = await store.kv.get<{ state: string; at: number; owner?: string }>(key)
    if (existing?.state === 'done' || existing?.state === 'applied') return 'done'
    if (existing?.state === 'pending' && existing.owner === owner && now - existing.at < ACTION_PENDING_MS)
      return 'busy'
    const cas = store.kv.compareAndSet?.bind(store.kv)
    if (cas === undefined) {
      await store.kv.set(key, pending, { ttlMs: recordTtlMs })
      return 'retry'
    }
    return (await cas(key, existing, pending, { ttlMs: recordTtlMs })) ? 'retry' : 'busy'
  }

  async function tell(press: Press, text: string): Promise<void> {
    if (!press.answered()) return press.answer(text, true)
    // The presser already saw "Changing…": what happened goes to the chat, so it is not swallowed.
    await options.transport.sendMessage(press.target, {
      text: escapeHtml(text),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      disable_notification: true,
    })
  }

  async function apply(press: Press, claims: ActionClaims): Promise<ActionOutcome> {
    cancelConfirmation(press)
    const key = `action:${press.target.chatId}:${claims.entity}:${claims.id}:${claims.fromStatus}:${claims.toStatus}:${claims.expiresAt}`
    const claim = await claimAction(key, press.now)
    if (claim === 'busy' || claim === 'done') {
      await press.answer(claim === 'busy' ? strings.inProgress : strings.alreadyDone)
      return report(press, claims, 'duplicate', claim)
    }
    const label = keyboards.label(claims.entity, claims.toStatus)
    const early = setTimeout(
      () => void press.answer(strings.changing(label)).catch(() => {}),
      options.answerWithinMs ?? 2500,
    )
    let change: Change
    try {
      change = await changeInKeycrm(claims)
    } catch (error) {
      clearTimeout(early)
      await store.kv.set(key, { state: 'failed', at: press.now }, { ttlMs: recordTtlMs }).catch(() => {})
      const reason = error instanceof KeycrmApiError ? strings.reasons[error.kind] : strings.reasons.network
      const number = `${claims.entity === 'order' ? '#' : '🎯 '}${claims.id}`
      await tell(
        press,
        press.answered() ? strings.lateFailure(press.userName, number, reason) : strings.failed(reason),
      )
      return report(press, claims, 'failed', reason)
    }
    clearTimeout(early)
    if (change.kind === 'conflict') {
      await store.kv.set(key, { state: 'conflict', at: press.now }, { ttlMs: recordTtlMs })
      await showOnCard(press, claims, change)
      const now = keyboards.label(claims.entity, change.current)
      await tell(press, strings.conflict(now))
      return report(press, claims, 'conflict', `KeyCRM shows ${now}`)
    }
    await store.kv.set(key, { state: 'applied', at: press.now }, { ttlMs: recordTtlMs })
    await showOnCard(press, claims, change)
    await store.kv.set(key, { state: 'done', at: press.now }, { ttlMs: recordTtlMs })
    await press.answer(strings.changed(label))
    return report(press, claims, 'applied', change.kind === 'already' ? 'KeyCRM already had it' : undefined)
  }

  async function handleClaims(press: Press, claims: ActionClaims): Promise<ActionOutcome> {
    const stale = async (detail: string) => {
      await press.answer(strings.stale, true)
      await restoreButtons(press, claims).catch((error) => options.onError?.(error))
      return report(press, claims, 'stale', detail)
    }
    if (claims.chatId !== press.target.chatId) return stale('another chat')
    if (claims.messageId !== 0 && claims.messageId !== press.messageId) return stale('another message')
    const record = await readCard(store.kv, cardKey(press.target, claims))
    if (record?.messageId != null && record.messageId !== press.messageId) return stale('an older card')
    const transition: Transition | null = findTransition(
      keyboards.rules,
      claims.entity,
      claims.fromStatus,
      claims.toStatus,
      keyboards.statuses,
    )
    if (transition === null) return stale('no such transition now')
    const allowed = await mayPress(transition.rule, press.query.from.id, press.target.chatId, {
      admins,
      api,
      kv: store.kv,
    })
    if (!allowed) {
      await press.answer(strings.forbidden, true)
      return report(press, claims, 'forbidden')
    }
    if (claims.step === 'back') {
      cancelConfirmation(press)
      await press.answer()
      await restoreButtons(press, claims)
      return report(press, claims, 'back')
    }
    if (claims.step === 'go' && transition.confirm) return ask(press, claims)
    return apply(press, claims)
  }

  return {
    async handle(query) {
      const press = startPress(query, api, clock())
      const message = query.message
      const verified =
        message === undefined || query.data === undefined
          ? ({ ok: false, reason: 'malformed' } as const)
          : await tokens.verify(query.data, Math.floor(press.now / 1000))
      if (!verified.ok) {
        await press.answer(strings.stale, true)
        return report(press, {}, 'stale', verified.reason)
      }
      try {
        return await handleClaims(press, verified.claims)
      } catch (error) {
        options.onError?.(error)
        if (!press.answered())
          await press.answer(strings.failed(strings.reasons.server_error), true).catch(() => {})
        return report(press, verified.claims, 'failed', String(error))
      }
    },
    stop() {
      for (const timer of confirmations.values()) clearTimeout(timer)
      confirmations.clear()
    },
  }
}

function startPress(query: CallbackQueryLike, api: ActionBotApi, now: number): Press {
  let answered = false
  const message = query.message
  const target: ChatTarget = { chatId: String(message?.chat.id ?? '') }
  if (message?.message_thread_id !== undefined) target.threadId = message.message_thread_id
  const name = [query.from.first_name, query.from.last_name].filter(Boolean).join(' ')
  return {
    query,
    target,
    messageId: message?.message_id ?? 0,
    userName:
      name !== ''
        ? name
        : query.from.username !== undefined
          ? `@${query.from.username}`
          : String(query.from.id),
    now,
    answered: () => answered,
    async answer(text, alert = false) {
      // Telegram takes one answer per query: the first one wins, later ones are dropped here.
      if (answered) return
      answered = true
      await api.answerCallbackQuery(query.id, { ...(text === undefined ? {} : { text }), showAlert: alert })
    },
  }
}

/** An API reply's own columns: what a webhook's context holds (includes are left out). */
function flatColumns(entity: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entity).filter(([, value]) => value === null || typeof value !== 'object'),
  )
}
