/**
 * The bot commands, framework-free: each takes a {@link CommandContext} and resolves the replies to send
 * in the same chat and topic. The grammY and Telegraf adapters only translate contexts and send replies.
 *
 * @module
 */
import { routableKinds } from '../delivery/routes.ts'
import type { ChatTarget } from '../delivery/types.ts'
import { b, code, type HtmlContent, html, join, pre, type SafeHtml, text } from '../format/html.ts'
import { formatDateTime } from '../format/intl.ts'
import { localeStrings } from '../format/locales/index.ts'
import { formatNotification } from '../format/notification.ts'
import type { FormatOptions } from '../format/types.ts'
import { resolveCommandStrings } from './command-list.ts'
import { orderIdOf, queueOrderCard } from './order-card.ts'
import { sampleOrderEvent } from './sample.ts'
import {
  parseSubscriptionKinds,
  type SubscriptionKind,
  SubscriptionLimitError,
  subscriptionOf,
  updateSubscription,
} from './subscriptions.ts'
import { cleanTitle, formatDuration, shortWord } from './text.ts'
import {
  type CommandContext,
  type CommandHandlersOptions,
  type CommandReply,
  type KeygramCommand,
  keygramCommandNames,
} from './types.ts'

/** The command handlers made by {@link createCommandHandlers}. Each resolves the replies to send. */
export interface CommandHandlers {
  /** A welcome, then what `/chatid` shows. */
  start(context: CommandContext): Promise<CommandReply[]>
  /** The chat id, topic id and a route snippet to paste into the config. */
  chatid(context: CommandContext): Promise<CommandReply[]>
  /** Queue depth, dead letters, last delivery, who holds the polling lease. */
  status(context: CommandContext): Promise<CommandReply[]>
  /** `/order <id>`: queues the order's live card for this chat (nothing else is replied then). Admins only by default. */
  order(context: CommandContext): Promise<CommandReply[]>
  /** Adds kinds (all when none given) to this chat's subscription. Admins only. */
  subscribe(context: CommandContext): Promise<CommandReply[]>
  /** Removes kinds (all when none given) from this chat's subscription. Admins only. */
  unsubscribe(context: CommandContext): Promise<CommandReply[]>
  /** The sample notification to send here, or, with a notifier, a report of it going through the real path. */
  test(context: CommandContext): Promise<CommandReply[]>
  /** Runs `command`; an error becomes a polite reply (its text goes only to `onError`, never to the chat). */
  run(command: KeygramCommand, context: CommandContext): Promise<CommandReply[]>
  /** The command names handled, for registering them with a framework. */
  readonly commands: readonly KeygramCommand[]
}

/**
 * Senders that stand for someone else: GroupAnonymousBot (anonymous group admins), Channel_Bot (posts on
 * behalf of a channel) and Telegram (777000, automatic forwards). Their id says nothing about the person,
 * so they are never treated as admins, even if listed.
 */
export const ANONYMOUS_SENDER_IDS: ReadonlySet<string> = new Set(['1087968824', '136817688', '777000'])

/**
 * Creates the command handlers.
 *
 * @throws TypeError for an unsupported locale or an admin id that is not a numeric user id.
 * @example
 * ```ts
 * const commands = createCommandHandlers({ store, admins: [123456789], locale: 'en' })
 * const replies = await commands.run('chatid', { chatId: -1001234567890, threadId: 42, args: '' })
 * ```
 */
export function createCommandHandlers(options: CommandHandlersOptions): CommandHandlers {
  const { store } = options
  const locale = options.locale ?? 'uk'
  const strings = resolveCommandStrings(locale)
  const intlLocale = localeStrings[locale].intlLocale
  const format: FormatOptions = options.format ?? {}
  const timeZone = format.timeZone ?? 'Europe/Kyiv'
  const clock = options.clock ?? Date.now
  const admins = new Set(options.admins.map(adminId))
  const testNeedsAdmin = options.adminOnly?.test ?? true
  const statusNeedsAdmin = options.adminOnly?.status ?? false
  const orderNeedsAdmin = options.adminOnly?.order ?? true
  // Strictly increasing, so two /test within one millisecond (or after an unrouted one, whose key the
  // queue remembers too) are still distinct deliveries.
  let lastSampleAt = Number.NEGATIVE_INFINITY
  const defaultSample = () => {
    lastSampleAt = Math.max(clock(), lastSampleAt + 1)
    return sampleOrderEvent({ now: lastSampleAt, comment: strings.test.sampleComment })
  }
  const sample = options.sample ?? defaultSample

  const reply = (content: HtmlContent): CommandReply[] => [
    { text: String(join([content])), parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
  ]

  function refusal(context: CommandContext): SafeHtml | null {
    const userId = context.userId === undefined ? undefined : String(context.userId)
    if (userId === undefined || ANONYMOUS_SENDER_IDS.has(userId)) return text(strings.access.anonymous)
    if (admins.has(userId)) return null
    return strings.access.notAdmin(code(userId))
  }

  function chatDetails(context: CommandContext): SafeHtml {
    const chat = strings.chat
    const title = context.chatTitle === undefined ? '' : cleanTitle(context.chatTitle)
    const lines: HtmlContent[] = []
    if (title !== '') lines.push(html`${chat.chat}: ${b(title)}`)
    lines.push(html`${chat.chatId}: ${code(String(context.chatId))}`)
    if (context.threadId !== undefined) lines.push(html`${chat.topicId}: ${code(context.threadId)}`)
    lines.push(html`\n${chat.snippet}`, pre(routeSnippet(context), 'json'), chat.subscribeHint)
    return join(lines, '\n')
  }

  function subscriptionState(kinds: readonly SubscriptionKind[]): SafeHtml {
    const s = strings.subscriptions
    if (kinds.length === 0) return join([s.none, s.configNote], '\n')
    const items = kinds.map((kind) => html`• ${s.kinds[kind]} (${code(kind)})`)
    return join([s.receives, ...items, s.configNote], '\n')
  }

  function invalidKinds(words: readonly string[]): SafeHtml {
    const s = strings.subscriptions
    const shown = words.slice(0, 5).map((word) => code(shortWord(word)))
    const valid = [...routableKinds, 'all'].map((kind) => code(kind))
    return join([html`${s.invalid} ${join(shown, ', ')}`, html`${s.valid} ${join(valid, ', ')}`], '\n')
  }

  async function changeSubscription(
    context: CommandContext,
    mode: 'add' | 'remove',
  ): Promise<CommandReply[]> {
    const refused = refusal(context)
    if (refused) return reply(refused)
    const parsed = parseSubscriptionKinds(context.args)
    if (!parsed.ok) return reply(invalidKinds(parsed.invalid))
    try {
      const kinds = await updateSubscription(store.kv, targetOf(context), {
        [mode]: parsed.kinds,
        ...(context.userId === undefined ? {} : { by: context.userId }),
        now: clock(),
      })
      return reply(subscriptionState(kinds))
    } catch (error) {
      if (error instanceof SubscriptionLimitError) return reply(strings.subscriptions.limit)
      throw error
    }
  }

  function lastDeliveryText(at: number | null | undefined, now: number): string {
    if (at === undefined) return strings.status.unknown
    if (at === null) return strings.status.never
    const when = formatDateTime(new Date(at).toISOString(), intlLocale, timeZone)
    return `${when} (${strings.status.ago(formatDuration(now - at, intlLocale))})`
  }

  const handlers: Omit<CommandHandlers, 'run' | 'commands'> = {
    async start(context) {
      return reply(join([b(strings.welcome), chatDetails(context)], '\n\n'))
    },

    async chatid(context) {
      return reply(chatDetails(context))
    },

    async status(context) {
      if (statusNeedsAdmin) {
        const refused = refusal(context)
        if (refused) return reply(refused)
      }
      const s = strings.status
      const now = clock()
      const leaseName =
        options.pollingLease ?? (context.botId === undefined ? undefined : `polling:${context.botId}`)
      const [stats, lease, live] = await Promise.all([
        store.queue.stats(now),
        leaseName === undefined ? null : store.guard.inspect(leaseName),
        options.status?.(),
      ])
      const queue = [`${stats.pending} ${s.waiting}`]
      if (stats.claimed > 0) queue.push(`${stats.claimed} ${s.sending}`)
      if (stats.oldestPendingAgeMs !== null)
        queue.push(`${s.oldest} ${formatDuration(stats.oldestPendingAgeMs, intlLocale)}`)
      const lines: HtmlContent[] = [
        b(s.title),
        html`${s.queue}: ${queue.join(', ')}`,
        html`${s.dead}: ${stats.dead}`,
        html`${s.lastDelivery}: ${lastDeliveryText(live?.lastDeliveryAt, now)}`,
      ]
      if (leaseName !== undefined) {
        const holder = lease
          ? s.leaseHeld(
              code(shortWord(lease.holder, 80)),
              lease.fencingToken,
              formatDuration(lease.expiresAt - now, intlLocale),
            )
          : s.leaseFree
        lines.push(html`${s.lease} (${code(leaseName)}): ${holder}`)
      }
      if (live?.polling) {
        const detail = live.polling.detail ? ` — ${shortWord(live.polling.detail, 200)}` : ''
        lines.push(html`${s.poller}: ${shortWord(live.polling.state, 40)}${detail}`)
      }
      if (store.name) lines.push(html`${s.store}: ${store.name}`)
      return reply(join(lines, '\n'))
    },

    async order(context) {
      if (orderNeedsAdmin) {
        const refused = refusal(context)
        if (refused) return reply(refused)
      }
      const id = orderIdOf(context.args)
      if (id === null) return reply(strings.order.usage)
      if (options.keycrm === undefined) return reply(strings.order.needsApi)
      const result = await queueOrderCard(options.keycrm, store, targetOf(context), id, {
        now: clock(),
        locale: format.locale ?? locale,
      })
      // Queued: the card itself is the answer.
      return result.status === 'queued' ? [] : reply(strings.order.notFound(code(id)))
    },

    subscribe: (context) => changeSubscription(context, 'add'),

    unsubscribe: (context) => changeSubscription(context, 'remove'),

    async test(context) {
      if (testNeedsAdmin) {
        const refused = refusal(context)
        if (refused) return reply(refused)
      }
      const event = sample()
      if (options.notifier === undefined) {
        return formatNotification(event, { ...format, locale: format.locale ?? locale })
      }
      const t = strings.test
      const result = await options.notifier.accept(event)
      const kind: SubscriptionKind = event.kind
      const kindName = strings.subscriptions.kinds[kind]
      if (result.status === 'duplicate') return reply(t.duplicate)
      if (result.status === 'unrouted') return reply(t.unrouted(kindName, kind))
      const subscribed = (await subscriptionOf(store.kv, targetOf(context))).includes(kind)
      return reply(
        join([t.queued(result.jobs), subscribed ? t.here(kindName) : t.maybeHere(kindName, kind)], '\n'),
      )
    },
  }

  return {
    ...handlers,
    commands: keygramCommandNames,
    async run(command, context) {
      try {
        return await handlers[command](context)
      } catch (error) {
        try {
          options.onError?.(error, command)
        } catch {
          // A failing logger must not turn a polite reply into an unhandled rejection.
        }
        return reply(strings.error)
      }
    },
  }
}

/** The destination a command came from. */
export function targetOf(context: Pick<CommandContext, 'chatId' | 'threadId'>): ChatTarget {
  const target: ChatTarget = { chatId: String(context.chatId) }
  if (context.threadId !== undefined) target.threadId = context.threadId
  return target
}

/** The route rule for this chat as JSON, which is also valid TypeScript for a config file. */
export function routeSnippet(context: Pick<CommandContext, 'chatId' | 'threadId'>): string {
  const thread = context.threadId === undefined ? '' : `, "threadId": ${context.threadId}`
  return `{ "chatId": ${JSON.stringify(String(context.chatId))}${thread} }`
}

function adminId(id: number | string): string {
  const value = String(id).trim()
  if (!/^[1-9]\d{0,15}$/.test(value))
    throw new TypeError(
      `admins: "${shortWord(value)}" is not a numeric user id (send /chatid to the bot in a private chat to see yours)`,
    )
  return value
}
