/**
 * Shapes shared by the bot commands: what a command gets from the chat framework and what it answers.
 *
 * @module
 */
import type { Notifier } from '../delivery/notifier.ts'
import type { KeygramStore } from '../delivery/types.ts'
import type { FormatLocale, FormatOptions } from '../format/types.ts'
import type { KeycrmClient } from '../keycrm/client.ts'
import type { TelegramMessage } from '../telegram/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'

/** The commands Keygram answers, in the order they are listed to users. */
export const keygramCommandNames = [
  'start',
  'chatid',
  'status',
  'order',
  'subscribe',
  'unsubscribe',
  'test',
] as const

/** One of {@link keygramCommandNames}. */
export type KeygramCommand = (typeof keygramCommandNames)[number]

/** The few facts about an incoming command message that the handlers need, framework-free. */
export interface CommandContext {
  /** The chat the command came from. */
  chatId: number | string
  /** The forum topic (`message_thread_id`), only when the message is a topic message. */
  threadId?: number
  /** Who sent it; absent for channel posts. */
  userId?: number | string
  /** The chat title (groups and channels); shown escaped. */
  chatTitle?: string
  /** The text after the command, e.g. `order_status payment_status`. */
  args: string
  /** The bot's own user id, used to name the polling lease `polling:<botId>`. */
  botId?: number
}

/** A reply: Telegram HTML with every dynamic value escaped, ready for `sendMessage` in the same chat and topic. */
export type CommandReply = TelegramMessage

/** What the poller reports about itself, for `/status`. */
export interface PollingSummary {
  /** E.g. `polling`, `standby`, `conflict`, `stopped`. */
  state: string
  /** A short explanation, e.g. the last conflict; never a token. */
  detail?: string | null
}

/** Live facts only the running process knows, for `/status`. */
export interface CommandStatusSnapshot {
  polling?: PollingSummary
  /** When a message was last delivered to Telegram (epoch ms); `null` when none was yet. */
  lastDeliveryAt?: number | null
}

/** Options of `createCommandHandlers`. */
export interface CommandHandlersOptions {
  /** The store subscriptions are kept in and `/status` reads. */
  store: Pick<KeygramStore, 'kv' | 'queue' | 'guard'> & { readonly name?: string }
  /** User ids allowed to change subscriptions and send `/test`. Anonymous admins are never allowed. */
  admins: readonly (number | string)[]
  /** Language of the replies; default `uk`. */
  locale?: FormatLocale
  /** Live status of the process (poller state, last delivery) for `/status`. */
  status?: () => CommandStatusSnapshot | Promise<CommandStatusSnapshot>
  /**
   * The lease name the poller holds, for `/status`. Default `polling:<botId>` when the context carries
   * the bot id; without either, `/status` leaves the lease out.
   */
  pollingLease?: string
  /** The event `/test` sends. Default: a realistic order status change with a fresh timestamp. */
  sample?: () => KeycrmEvent
  /** Formatting of `/test` samples and `/status` times (locale, time zone, KeyCRM domain...). */
  format?: FormatOptions
  /**
   * When given, `/test` goes through `notifier.accept` (routing, dedupe, durable queue, worker) instead of
   * replying with the formatted sample, so it tests the real path.
   */
  notifier?: Notifier
  /**
   * KeyCRM's API, for `/order <id>`: it posts the order's live card into the chat (rendered by the delivery
   * worker, so it carries the same details and buttons as any card). Without it `/order` says it needs one.
   */
  keycrm?: Pick<KeycrmClient, 'order'>
  /**
   * Which commands besides `/subscribe` and `/unsubscribe` need an admin. Default
   * `{ test: true, order: true, status: false }`.
   */
  adminOnly?: { test?: boolean; order?: boolean; status?: boolean }
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number
  /** Called with a command's error before the user gets a generic apology (the error text is never shown). */
  onError?: (error: unknown, command: KeygramCommand) => void
}
