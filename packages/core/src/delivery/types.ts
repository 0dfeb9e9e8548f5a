/**
 * Contracts of the delivery engine: the durable queue a {@link KeygramStore} provides and the
 * {@link TelegramTransport} that sends.
 *
 * The queue is chat-centric. Jobs of one chat form an ordered line (by `sequence`); a worker claims a
 * whole chat (its head run of due jobs) under a lease, so two workers never send to one chat at once and
 * a chat's messages cannot overtake each other. A chat also carries `notBefore`, the earliest time the
 * next message may go to it: this is how per-chat rate limits and `retry_after` waits are shared by all
 * workers.
 *
 * @module
 */
import type { RateBudgetStore } from '../budgets/types.ts'
import type { SummaryItem } from '../format/summary.ts'
import type { FormatLocale } from '../format/types.ts'
import type { SingleInstanceGuard } from '../guard/types.ts'
import type { OutgoingMessage, TelegramMessage } from '../telegram/types.ts'

/** A Telegram chat id (numeric ids as decimal strings, or `@channelusername`). */
export type ChatId = string

/** Where a message goes: a chat and, for forum supergroups, a topic. */
export interface ChatTarget {
  chatId: ChatId
  /** Forum topic (`message_thread_id`). */
  threadId?: number
}

/**
 * What a worker needs to render a notification when it sends it (instead of the notifier rendering it
 * when the webhook arrives): the webhook as KeyCRM sent it and the route's per-target overrides. Plain
 * JSON, so every store can keep it.
 */
export interface RenderRequest {
  /** The webhook body: `event` name and the context's columns as received (`raw`). */
  webhook: { event: string; context: Record<string, unknown> }
  /** The route's language, overriding the formatting default. */
  locale?: FormatLocale
  /** The route's silence (quiet hours, `disableNotification`), overriding the formatting default. */
  disableNotification?: boolean
  /** The job updates the chat's live card of an order or lead instead of sending a message of its own. */
  card?: CardRequest
}

/** What a job does to a live card (see `delivery/cards`). */
export interface CardRequest {
  /** Whose card: an order (`order.*` events) or a funnel card (`lead.*`). */
  entity: 'order' | 'lead'
  /** The order or lead id. */
  id: number
  /** A status that needs someone's attention: send a fresh message (with a notification) that becomes the card. */
  loud: boolean
  /**
   * Brings an existing card up to date after a summary covered its change: edits it when it shows something
   * else, never sends a new message. Enqueued with `priority: 'low'`.
   */
  refresh?: boolean
}

/**
 * A job's lane in its chat: `normal` (notifications) or `low` (work that may wait, such as refreshing live
 * cards after a summary). A chat's low-priority jobs are claimed only while it has no pending normal job.
 */
export type JobPriority = 'normal' | 'low'

/** A job as the notifier hands it to {@link QueueStore.enqueue}. */
export interface NewJob extends ChatTarget {
  /**
   * The job's lane (default `normal`). Each chat keeps two lines, both in sequence order: its `low` line is
   * claimed only while its `normal` line is empty (a normal job backing off holds both), and a claim's
   * jobs all come from one line.
   */
  priority?: JobPriority
  /** The message to send (with `render`, a placeholder naming the event, sent only if rendering fails). */
  message: TelegramMessage
  /**
   * One plain line describing the notification (e.g. `Order #67526 → Shipped`), used when a burst of
   * jobs for one chat is merged into summary messages. HTML-escaped, no tags. With `render`, a placeholder
   * the worker replaces.
   */
  summaryLine: string
  /**
   * What a burst summary groups the notification by (order or lead, where it went, total), in the target's
   * language. Absent for other notifications (stock alerts, digests), which a summary lists by their line.
   * With `render`, the worker renders it at send time.
   */
  summary?: SummaryItem
  /**
   * Render at send time: the worker formats (and enriches) the notification from this, so the webhook is
   * acknowledged without waiting for either. Stores must keep it with the job (memory, SQLite and Redis
   * do); absent, `message` is sent as it is.
   */
  render?: RenderRequest
}

/** A job as stored. */
export interface QueuedJob extends NewJob {
  /** Store-assigned unique id. */
  id: string
  /** The KeyCRM delivery key the job came from. */
  deliveryKey: string
  /** Store-assigned, strictly increasing within a chat (global monotonic is fine). */
  sequence: number
  /** Failed attempts so far. */
  attempts: number
  /** Epoch ms before which the job must not be sent (back-off). */
  notBefore: number
  /** Epoch ms when it was enqueued. */
  createdAt: number
  /** The last error, for reports. */
  lastError: string | null
}

/** A job that ended undelivered: dead-lettered after its retries, or refused permanently (403...). */
export interface DeadJob extends QueuedJob {
  /** Why it ended: `retries_exhausted`, `forbidden`, `chat_not_found`, `bad_request`... */
  reason: string
  /** Epoch ms when it was dead-lettered. */
  deadAt: number
}

/** Input of {@link QueueStore.enqueue}. */
export interface EnqueueInput {
  /** Idempotency key of the KeyCRM delivery (see `deliveryKey`). */
  deliveryKey: string
  /** How long the key is remembered to suppress redeliveries, in ms. */
  dedupeTtlMs: number
  /** The jobs to add; may be empty (the delivery is still remembered). */
  jobs: NewJob[]
  /** Current time, epoch ms. */
  now: number
}

/** Input of {@link QueueStore.claim}. */
export interface ClaimInput {
  /** Who claims (for reports). */
  workerId: string
  now: number
  /** How long the claim holds before another worker may take the chat over, in ms. */
  leaseMs: number
  /** At most this many chats per call. */
  maxChats: number
  /** At most this many jobs per chat (the head of the chat's line, in order). */
  maxJobsPerChat: number
}

/**
 * A chat claimed by one worker. Only chats whose `notBefore` has passed and whose first job is due are
 * claimed; `jobs` is the head run of the chat's line, in sequence order, all due: of its normal line when
 * that has jobs, else of its low-priority line (see {@link NewJob.priority}).
 */
export interface ClaimedChat {
  chatId: ChatId
  /** Proves the claim; a settle with a stale token (lease expired and taken over) is ignored. */
  claimToken: string
  jobs: QueuedJob[]
}

/** What became of the jobs of a claim. Jobs of the claim not named here stay queued, unchanged. */
export interface SettleInput {
  /** Delivered: removed from the queue. */
  done?: string[]
  /** To be tried again later. */
  retry?: { id: string; notBefore: number; error: string }[]
  /** Ended undelivered. */
  dead?: { id: string; reason: string; error: string }[]
  /** Earliest time the next message may go to this chat (rate limits, `retry_after`). */
  chatNotBefore?: number
  /** The chat moved (group upgraded to supergroup): its remaining jobs move to this id, in order. */
  movedTo?: ChatId
  now: number
}

/** Input of {@link QueueStore.renew}. */
export interface RenewInput {
  now: number
  /** The claim holds until `now + leaseMs`. */
  leaseMs: number
}

/** Queue depth and health, for `/status`, `/readyz` and metrics. */
export interface QueueStats {
  /** Jobs waiting (including ones backing off). */
  pending: number
  /** Jobs in chats currently claimed by a worker. */
  claimed: number
  dead: number
  /** Age in ms of the oldest waiting job, or `null` when none wait. */
  oldestPendingAgeMs: number | null
}

/** The durable queue. */
export interface QueueStore {
  /**
   * Atomically: if `deliveryKey` was seen within its TTL, does nothing and resolves `{accepted: false}`;
   * otherwise remembers it and appends the jobs to their chats' lines. Durable when it resolves.
   */
  enqueue(input: EnqueueInput): Promise<{ accepted: boolean; jobIds: string[] }>
  /** Claims chats with due work. Never hands one chat to two live claims. */
  claim(input: ClaimInput): Promise<ClaimedChat[]>
  /** Records the outcome of a claim and releases the chat. Ignored if the claim was lost. */
  settle(chatId: ChatId, claimToken: string, outcome: SettleInput): Promise<{ ok: boolean }>
  /**
   * Extends a claim still held with `claimToken` to `now + leaseMs` and resolves `{ok: true}`; resolves
   * `{ok: false}` (changing nothing) when the claim was settled or taken over. A claim whose lease ran out
   * but that nobody took over yet may still be renewed. Workers renew while they send and settle, so a
   * short lease (a crashed worker's chats are taken over soon) never expires under a live worker.
   *
   * Optional so that older stores still type-check; without it a worker keeps its claims for the whole
   * lease it asked for.
   */
  renew?(chatId: ChatId, claimToken: string, input: RenewInput): Promise<{ ok: boolean }>
  /** Dead-lettered jobs, oldest first. */
  listDead(options?: { limit?: number }): Promise<DeadJob[]>
  /** Puts dead jobs (all when `ids` is omitted) back at the end of their chats' lines, attempts reset. */
  replayDead(options: { ids?: string[]; now: number }): Promise<number>
  stats(now: number): Promise<QueueStats>
  /**
   * Calls `listener` soon after jobs were enqueued (or dead letters replayed) through this instance or any
   * other sharing the store: at once for this instance's own enqueues, through the store's own channel
   * (Redis pub/sub, PostgreSQL LISTEN/NOTIFY, a short poll of the SQLite file) for other processes'.
   * Returns a function that stops listening; the store's `close()` stops every listener and frees the channel.
   *
   * A hint, never needed for correctness: a notice may be lost (a reconnect) or come without work that is
   * due (a paced chat), so the worker keeps polling and treats a notice as "claim now". Optional so that
   * older stores still type-check; the stores in this repository implement it, and the worker wakes on it.
   */
  onEnqueued?(listener: () => void): () => void
}

/** Small durable key-value records with optional TTL (subscriptions, chat migrations, seen keys). */
export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | null>
  set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>
  /** Sets only when absent (or expired); resolves whether it was set. Atomic. */
  setIfAbsent(key: string, value: unknown, options?: { ttlMs?: number }): Promise<boolean>
  /**
   * Replaces the value with `next` only if the current one equals `expected`; resolves whether it was
   * replaced. Atomic, across every process sharing the store. Values are compared as their JSON text, so
   * pass `expected` as {@link KeyValueStore.get} returned it; `null` matches an absent or expired key.
   * `ttlMs` applies to `next` (none: it does not expire).
   *
   * Optional so that older stores still type-check; the stores in this repository implement it, and
   * features that need it (stock alerts) refuse a store without it.
   */
  compareAndSet?(
    key: string,
    expected: unknown,
    next: unknown,
    options?: { ttlMs?: number },
  ): Promise<boolean>
  delete(key: string): Promise<void>
}

/**
 * A compact record of one accepted KeyCRM delivery, kept for digests ("yesterday: 37 new orders..."):
 * the ids and numbers a summary counts, not the whole payload.
 */
export interface EventRecord {
  /** The delivery key: a record is stored once per key. */
  deliveryKey: string
  /** Epoch ms when Keygram accepted it; the log is ordered and queried by this. */
  at: number
  /** `action`: a press of an action button (see {@link EventRecord.action}), logged for the audit. */
  kind: 'order_status' | 'payment_status' | 'lead_status' | 'unknown' | 'action'
  /** The KeyCRM event name, e.g. `order.change_order_status`. */
  event: string
  /** Order or card id. */
  entityId: number | null
  statusId: number | null
  /** Order status group (1 new ... 6 canceled). */
  statusGroupId: number | null
  paymentStatus: string | null
  grandTotal: number | null
  sourceId: number | null
  managerId: number | null
  /** The entity's `created_at`, epoch ms. */
  createdAt: number | null
  /** The entity's `status_changed_at`, epoch ms. */
  statusChangedAt: number | null
  /** With `kind: 'action'`: who pressed what, and what came of it. */
  action?: ActionAuditEntry
}

/** One press of an action button, as the audit keeps it. */
export interface ActionAuditEntry {
  /** The Telegram user who pressed, and the name shown for them. */
  userId: number
  userName: string
  chatId: string
  entity: 'order' | 'lead'
  from: number
  to: number
  /** `applied`, `asked` (confirmation shown), `forbidden`, `stale`, `conflict`, `failed`, `duplicate`... */
  outcome: string
  /** Why it failed or was refused, in plain words. */
  detail?: string
}

/** The log of accepted deliveries that digests read. */
export interface EventLog {
  /**
   * Adds a record unless one with the same `deliveryKey` is there; resolves whether it was added.
   * Durable when it resolves.
   */
  append(record: EventRecord): Promise<boolean>
  /** Records with `fromMs <= at < toMs`, oldest first (ties in append order). */
  range(fromMs: number, toMs: number): Promise<EventRecord[]>
  /** Deletes records with `at < beforeMs`; resolves how many. */
  prune(beforeMs: number): Promise<number>
}

/** Everything Keygram keeps: the queue, key-values, the event log and the single-instance guard. */
export interface KeygramStore {
  /** Driver name, e.g. `memory`, `sqlite`, `redis`. */
  readonly name: string
  readonly queue: QueueStore
  readonly kv: KeyValueStore
  /** Accepted deliveries, for digests. */
  readonly events: EventLog
  readonly guard: SingleInstanceGuard
  /**
   * Rate budgets shared by every process on this store (Telegram's overall send limit per bot, KeyCRM's
   * request limit per API key). Optional: without it each process keeps its own per-process limits.
   */
  readonly budgets?: RateBudgetStore
  /** Verifies the backing service answers (for `/readyz`). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** How a send failed, classified for the retry policy. */
export type TelegramErrorKind =
  | 'rate_limited'
  | 'migrated'
  | 'forbidden'
  | 'chat_not_found'
  | 'thread_not_found'
  | 'parse_entities'
  | 'message_too_long'
  | 'bad_request'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'unauthorized'
  | 'conflict'
  /** An edit that would change nothing ("message is not modified"): the message already shows it. */
  | 'not_modified'
  /** An edit of a message that is gone or frozen ("message to edit not found", "message can't be edited"). */
  | 'message_not_editable'

/** A failed Bot API call, normalised across transports (fetch, Telegraf, grammY). */
export interface TelegramFailure {
  ok: false
  kind: TelegramErrorKind
  /** HTTP status or Bot API `error_code`, when there was a response. */
  errorCode: number | null
  description: string
  /** Seconds, from `parameters.retry_after` (429). */
  retryAfter?: number
  /** From `parameters.migrate_to_chat_id` (400 after a group upgrade). */
  migrateToChatId?: ChatId
}

/** A sent message. */
export interface TelegramSuccess {
  ok: true
  messageId: number
}

/**
 * Sends messages to Telegram. Implementations must never throw: they resolve a failure instead.
 * `message` may be plain text (no `parse_mode`): the engine's fallback for unparsable or too long HTML.
 */
export interface TelegramTransport {
  sendMessage(target: ChatTarget, message: OutgoingMessage): Promise<TelegramSuccess | TelegramFailure>
  /**
   * Replaces the text (and inline keyboard) of a message the bot sent: `editMessageText`. Live order cards
   * need it; a transport without it gets a new card message for every change instead. Resolves the
   * edited message's id; "message is not modified" resolves the failure kind `not_modified`, a deleted
   * or frozen message `message_not_editable`. `disable_notification` and the topic do not apply to edits.
   */
  editMessageText?(
    target: ChatTarget,
    messageId: number,
    message: OutgoingMessage,
  ): Promise<TelegramSuccess | TelegramFailure>
}
