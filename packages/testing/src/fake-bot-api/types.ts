/**
 * Public shapes of the fake Telegram Bot API server.
 *
 * @module
 */

/** A Telegram `User` as the fake returns it (`getMe`, `from` of messages). */
export interface FakeUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
  can_join_groups?: boolean
  can_read_all_group_messages?: boolean
  supports_inline_queries?: boolean
  can_connect_to_business?: boolean
  has_main_web_app?: boolean
}

/** A Telegram `Chat` as the fake returns it. */
export interface FakeChat {
  id: number
  type: 'private' | 'group' | 'supergroup' | 'channel'
  title?: string
  username?: string
  first_name?: string
  is_forum?: boolean
}

/** A Telegram `MessageEntity`, as produced by the fake's HTML parser or given by the client. */
export interface FakeMessageEntity {
  type: string
  offset: number
  length: number
  url?: string
  user?: { id: number }
  language?: string
  custom_emoji_id?: string
  unix_time?: number
  date_time_format?: string
}

/** One update in the getUpdates queue: `update_id` plus exactly one payload field such as `message`. */
export interface FakeUpdate {
  update_id: number
  [type: string]: unknown
}

/** A Telegram `Message` as the fake returns it: these fields, and the rest of Telegram's (text, entities, ...). */
export interface FakeMessage {
  message_id: number
  chat: FakeChat
  /** Unix time in seconds; 0 for an inaccessible message. */
  date: number
  [field: string]: unknown
}

/** A button press as the bot receives it in `update.callback_query`. */
export interface FakeCallbackQuery {
  /** Unique id to pass to `answerCallbackQuery` (a decimal string, like Telegram's). */
  id: string
  from: FakeUser
  /**
   * The message the button was on, as the chat shows it now (text, entities, `reply_markup`, `edit_date`);
   * `{ message_id, chat, date: 0 }` (Telegram's `InaccessibleMessage`) when the fake holds no such message.
   */
  message: FakeMessage
  /** Stable per chat, opaque. */
  chat_instance: string
  data: string
}

/** The update {@link FakeBotApi.pushCallbackQuery} queues. */
export type FakeCallbackQueryUpdate = FakeUpdate & { callback_query: FakeCallbackQuery }

/** A user's status in a chat, as `getChatMember` reports it. */
export type FakeChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked'

/** Rate limits the fake enforces on `sendMessage`, shaped after Telegram's published limits. */
export interface FakeBotApiLimits {
  /** Turn all rate limits on or off. Default `true`: the fake behaves like Telegram. */
  enabled?: boolean
  /** Sustained messages per second into one chat. Default 1. */
  perChatPerSecond?: number
  /** Messages one chat may receive back to back before the per-chat rate applies. Default 3. */
  perChatBurst?: number
  /** Messages per sliding minute into one group (chat id < 0). Default 20. */
  groupPerMinute?: number
  /** Messages per sliding second across all chats. Default 30. */
  globalPerSecond?: number
}

/** Options of {@link createFakeBotApi}. */
export interface FakeBotApiOptions {
  /** The bot token the fake accepts. Default: a random token shaped like a real one. */
  token?: string
  /** Overrides of the `getMe` result. */
  botInfo?: Partial<FakeUser>
  /** Rate limits; see {@link FakeBotApiLimits}. */
  limits?: FakeBotApiLimits
  /** Minimum gap between two 409 answers (Telegram: 3000 ms). Later 409s are delayed by this much. */
  conflictPacingMs?: number
  /**
   * Telegram turns a `getUpdates` that repeats the previous offset within 3 s with a timeout under 3 s into a
   * 3 s long poll (the "shutdown trap" of PRODUCT.md). Default 3000 ms; tests may lower it to stop bots quickly.
   */
  repeatedOffsetPollMs?: number
  /**
   * Reject what Telegram's documentation forbids but its parser silently accepts: a raw `&` that does not start
   * `&lt;` `&gt;` `&amp;` `&quot;` or a numeric reference, `&nbsp;`-like names, and references without `;`.
   * Default `true`, because such text renders differently than intended (`&amp` in data is decoded).
   */
  strictHtml?: boolean
  /**
   * How long a pushed callback query can be answered, in ms; later `answerCallbackQuery` calls answer 400 "query
   * is too old ...". Telegram: about 15 000; tests of the timeout may lower it.
   */
  callbackQueryTimeoutMs?: number
  /** Seed of the deterministic random generator behind `fail(..., { rate })`. Default 1. */
  seed?: number
  /** Port to listen on. Default 0 (a free port). */
  port?: number
  /** Host to listen on. Default `127.0.0.1`. */
  host?: string
}

/** A successfully sent message, as recorded by the fake. */
export interface SentMessageRecord {
  message_id: number
  chat_id: number | string
  message_thread_id?: number
  /** The text exactly as the client sent it (HTML source when `parse_mode` is HTML). */
  text: string
  /** The visible text after entity parsing and trimming, as Telegram would show it. */
  plain_text: string
  parse_mode?: string
  entities?: FakeMessageEntity[]
  reply_markup?: unknown
  link_preview_options?: unknown
  disable_notification?: boolean
  /** Unix time in seconds. */
  date: number
}

/** A successful `editMessageText`, as recorded by the fake. */
export interface EditedMessageRecord {
  message_id: number
  chat_id: number | string
  text: string
  plain_text: string
  parse_mode?: string
  entities?: FakeMessageEntity[]
  reply_markup?: unknown
  /** Unix time in seconds. */
  edit_date: number
}

/** A successful `editMessageReplyMarkup`, as recorded by the fake. */
export interface MarkupEditRecord {
  message_id: number
  chat_id: number | string
  /** The new markup as the client sent it; absent when the keyboard was removed. */
  reply_markup?: unknown
  /** Unix time in seconds. */
  edit_date: number
}

/** A successful `answerCallbackQuery`, as recorded by the fake. */
export interface CallbackAnswerRecord {
  callback_query_id: string
  /** The notification text; absent when none was given (the client just stops its spinner). */
  text?: string
  /** Whether the text is shown as an alert with an OK button rather than a toast. */
  show_alert: boolean
  url?: string
  /** Seconds the client may cache the answer (0..2 592 000). */
  cache_time: number
  /** The query answered, as it was pushed. */
  query: FakeCallbackQuery
  /** `Date.now()` when it was answered. */
  at: number
}

/** A message as the chat shows it now. */
export interface ShownMessage {
  /** The visible text. */
  text: string
  entities: FakeMessageEntity[]
  /** The inline keyboard it shows (`{ inline_keyboard }`); absent when it shows none. */
  reply_markup?: unknown
  /**
   * Whether its text was edited since it was sent (the "edited" mark; Telegram does not show it for an edit of
   * the keyboard alone).
   */
  edited: boolean
}

/** One request the fake received. */
export interface CallRecord {
  /** The method as written in the URL (Telegram matches it case-insensitively). */
  method: string
  params: Record<string, unknown>
  /** HTTP status of the answer; `null` while pending (long poll), `0` when the connection was dropped. */
  status: number | null
  /** The error description when the answer was an error. */
  description?: string
  /** `Date.now()` when the request arrived. */
  at: number
}

/**
 * How an injected fault answers. `delay` holds the request before processing it; `delay_answer` processes
 * it (a message is sent) and then holds the answer, as Telegram does when the client's connection is slow:
 * the window in which a sender that dies has sent a message without knowing it.
 */
export type FakeFaultKind = 'http_error' | 'drop_connection' | 'delay' | 'delay_answer'

/** What {@link FakeBotApi.fail} injects. */
export interface FakeFaultSpec {
  /** Default `'http_error'`. */
  kind?: FakeFaultKind
  /** HTTP status and `error_code` for `http_error`. Default 500. */
  status?: number
  /** Error description for `http_error`. Default: Telegram's wording for the status. */
  description?: string
  /** `parameters.retry_after` for a 429. Default 1. */
  retryAfter?: number
  /** `'html'` answers with an HTML page, like the proxy in front of Telegram does on a 502. Default `'json'`. */
  body?: 'json' | 'html'
  /** For `delay`: how long to hold the request before processing it normally; for `delay_answer`, the answer. */
  ms?: number
  /** How many requests the fault hits. Default 1, or unlimited when `rate` is given. */
  times?: number
  /** Probability 0..1 that a matching request is hit, drawn from the seeded generator. Default 1. */
  rate?: number
}

/** Options of {@link FakeBotApi.blockChat}. */
export type BlockReason = 'blocked' | 'kicked' | 'deactivated'

/** A running fake Telegram Bot API server. */
export interface FakeBotApi {
  /** The API root to give clients (`apiRoot`), e.g. `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string
  /** The token the fake accepts. */
  readonly token: string
  /** The `getMe` result. */
  readonly botInfo: FakeUser
  /** Messages sent successfully, in order. */
  readonly sent: readonly SentMessageRecord[]
  /** Successful `editMessageText` calls, in order. */
  readonly edits: readonly EditedMessageRecord[]
  /** Successful `editMessageReplyMarkup` calls, in order (kept apart from {@link edits}: no text). */
  readonly markupEdits: readonly MarkupEditRecord[]
  /** Successful `answerCallbackQuery` calls, in order. */
  readonly callbackAnswers: readonly CallbackAnswerRecord[]
  /** Every request received, in arrival order. */
  readonly calls: readonly CallRecord[]
  /** How many 409 answers were sent. */
  readonly responses409: number
  /** How many 429 answers were sent (rate limits and injected 429s). */
  readonly count429: number
  /** Updates waiting to be confirmed by a `getUpdates` offset. */
  readonly pendingUpdateCount: number
  /** Whether a `getUpdates` long poll is waiting right now (a poller is connected). */
  readonly hasPendingPoll: boolean
  /** The webhook URL set by `setWebhook`, or `''`. */
  readonly webhookUrl: string
  /** How many recorded calls had this method (case-insensitive) and, when given, this HTTP status. */
  countCalls(method: string, status?: number): number
  /**
   * Forget recorded messages, edits, answers, calls and counters. Chats, members, faults, updates, pushed
   * callback queries and limits stay.
   */
  clear(): void
  /** Forget the rate-limit history, so the next messages are within limits. */
  resetRateLimits(): void
  /** Queue an update (an `update_id` is assigned when missing). Returns it, or `undefined` when filtered out by `allowed_updates`. */
  pushUpdate(update: Omit<FakeUpdate, 'update_id'> & { update_id?: number }): FakeUpdate | undefined
  /**
   * Queue a `message` update from a user; a leading `/command` gets its `bot_command` entity. A chat given
   * as an object is remembered: `getChat` answers it.
   */
  pushMessage(message: {
    chat: number | FakeChat
    text: string
    from?: Partial<FakeUser>
  }): FakeUpdate | undefined
  /**
   * Queue a `callback_query` update: `from` pressed a button carrying `data` on the stored message
   * `message.message_id` of `message.chat`. The update carries the message as the chat shows it now, with its
   * keyboard. `data` need not be on one of the message's buttons: a modified client can send anything. The
   * query can be answered once, within `callbackQueryTimeoutMs` of the push. `from` defaults to the chat's user
   * in a private chat and to user 1 000 001 elsewhere. Returns the update, or `undefined` when filtered out by
   * `allowed_updates` (it then cannot be answered).
   */
  pushCallbackQuery(press: {
    message: { chat: number | FakeChat; message_id: number }
    data: string
    from?: Partial<FakeUser>
  }): FakeCallbackQueryUpdate | undefined
  /** Set a user's status in a chat for `getChatMember` (everyone is a `member` until set). */
  setChatMember(chatId: number | string, userId: number, status: FakeChatMemberStatus): void
  /**
   * Queue the `my_chat_member` update Telegram sends when someone adds the bot to a group or channel (a
   * member, or an administrator of a channel). The chat is remembered: `getChat` answers it.
   */
  addBotToChat(input: { chat: number | FakeChat; from?: Partial<FakeUser> }): FakeUpdate | undefined
  /** Make matching requests fail; `method` is case-insensitive, `'*'` matches all. */
  fail(method: string, spec?: FakeFaultSpec): void
  /** Mark a group as upgraded: sending to `oldId` answers 400 with `parameters.migrate_to_chat_id`. */
  migrateChat(oldId: number, newId: number): void
  /** Sending to this chat answers 403 (default "bot was blocked by the user"). */
  blockChat(id: number | string, reason?: BlockReason): void
  /** Sending to this chat answers 400 "chat not found". */
  forgetChat(id: number | string): void
  /** Make the chat a forum with this topic; unknown `message_thread_id`s then answer 400. */
  addTopic(chatId: number | string, threadId: number): void
  /** Remove injected faults, migrations, blocks and forgotten chats. */
  clearFaults(): void
  /**
   * Deletes a message as a chat member would: editing it then answers 400 "message to edit not found".
   * Resolves whether there was such a message.
   */
  deleteMessage(chatId: number | string, messageId: number): boolean
  /** Editing this message answers 400 "message can't be edited". Resolves whether there was such a message. */
  freezeMessage(chatId: number | string, messageId: number): boolean
  /** What a message shows now (after its edits), or `undefined` when there is none (or it was deleted). */
  message(chatId: number | string, messageId: number): ShownMessage | undefined
  /** Stop listening and drop every open connection. */
  close(): Promise<void>
}
