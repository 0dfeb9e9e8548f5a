/**
 * The fake Telegram Bot API HTTP server: routing `/bot<token>/<method>`, recording, fault injection, and the
 * methods Keygram and its frameworks call.
 *
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  BotApiError,
  badRequest,
  defaultDescription,
  errorBody,
  type ResponseParameters,
  tooManyRequests,
} from './bot-api-error.ts'
import { CallbackQueries } from './callback-queries.ts'
import { ChatMembers } from './chat-members.ts'
import { ChatDirectory, type ChatId, chatKey, isGroupChat } from './chats.ts'
import { FaultPlan, seededRandom } from './faults.ts'
import { checkMessageLength, type PreparedText, prepareMessageText } from './message-text.ts'
import { resolveLimits, SendRateLimiter } from './rate-limiter.ts'
import { checkReplyMarkupOnServer, parseReplyMarkup, sameInlineKeyboard } from './reply-markup.ts'
import { boolArg, intArg, jsonArg, type Params, parseParams, readBody, stringArg } from './request-params.ts'
import type {
  BlockReason,
  CallbackAnswerRecord,
  CallRecord,
  EditedMessageRecord,
  FakeBotApi,
  FakeBotApiOptions,
  FakeCallbackQueryUpdate,
  FakeChat,
  FakeChatMemberStatus,
  FakeFaultSpec,
  FakeMessage,
  FakeMessageEntity,
  FakeUpdate,
  FakeUser,
  MarkupEditRecord,
  SentMessageRecord,
  ShownMessage,
} from './types.ts'
import { UpdateQueue } from './update-queue.ts'

interface Answer {
  result: unknown
  description?: string
}

type MethodHandler = (params: Params) => Answer | Promise<Answer>

interface StoredMessage {
  /** Edits answer "message can't be edited" (see {@link FakeBotApi.freezeMessage}). */
  frozen?: boolean
  /** Whether its text was edited (the "edited" mark). */
  edited?: boolean
  text: string
  entities: FakeMessageEntity[]
  replyMarkup: Record<string, unknown> | undefined
  message: Record<string, unknown>
}

/** The message and the chat an edit targets, found by {@link FakeBotApiServer.messageToEdit}. */
interface EditTarget {
  chatId: ChatId
  messageId: number
  stored: StoredMessage
}

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

const unixNow = (): number => Math.floor(Date.now() / 1000)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A random token shaped like BotFather's: `<bot id>:<35 url-safe characters>`. */
function randomToken(): string {
  const secret = randomBytes(33).toString('base64url').slice(0, 33)
  return `${randomInt(1_000_000_000, 9_000_000_000)}:AA${secret}`
}

function defaultBotInfo(token: string, overrides: Partial<FakeUser> | undefined): FakeUser {
  const id = Number(token.split(':')[0]) || 123_456_789
  return {
    id,
    is_bot: true,
    first_name: 'Keygram Fake Bot',
    username: 'keygram_fake_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    ...overrides,
  }
}

class FakeBotApiServer implements FakeBotApi {
  readonly token: string
  readonly botInfo: FakeUser
  url = ''

  private readonly sentLog: SentMessageRecord[] = []
  private readonly editLog: EditedMessageRecord[] = []
  private readonly markupEditLog: MarkupEditRecord[] = []
  private readonly callLog: CallRecord[] = []
  private conflicts = 0
  private floods = 0
  private readonly chats = new ChatDirectory()
  private readonly members = new ChatMembers()
  private readonly users = new Map<number, FakeUser>()
  private readonly callbackQueries: CallbackQueries
  private readonly faults: FaultPlan
  private readonly limiter: SendRateLimiter
  private readonly queue: UpdateQueue
  private readonly strictHtml: boolean
  private readonly messages = new Map<string, StoredMessage>()
  private readonly commands = new Map<string, unknown[]>()
  private readonly methods: Map<string, MethodHandler>
  private readonly server: Server

  constructor(options: FakeBotApiOptions) {
    this.token = options.token ?? randomToken()
    this.botInfo = defaultBotInfo(this.token, options.botInfo)
    this.strictHtml = options.strictHtml ?? true
    this.faults = new FaultPlan(seededRandom(options.seed ?? 1))
    this.limiter = new SendRateLimiter(resolveLimits(options.limits))
    this.callbackQueries = new CallbackQueries(options.callbackQueryTimeoutMs ?? 15_000)
    this.queue = new UpdateQueue({
      conflictPacingMs: options.conflictPacingMs ?? 3000,
      repeatedOffsetPollMs: options.repeatedOffsetPollMs ?? 3000,
    })
    this.methods = new Map<string, MethodHandler>([
      ['getme', () => ({ result: this.botInfo })],
      ['getupdates', (params) => this.getUpdates(params)],
      ['setwebhook', (params) => this.setWebhook(params)],
      ['deletewebhook', (params) => this.deleteWebhook(params)],
      ['getwebhookinfo', () => this.getWebhookInfo()],
      ['getchat', (params) => this.getChat(params)],
      ['sendmessage', (params) => this.sendMessage(params)],
      ['editmessagetext', (params) => this.editMessageText(params)],
      ['editmessagereplymarkup', (params) => this.editMessageReplyMarkup(params)],
      ['answercallbackquery', (params) => this.answerCallbackQuery(params)],
      ['getchatmember', (params) => this.getChatMember(params)],
      ['setmycommands', (params) => this.setMyCommands(params)],
      ['getmycommands', (params) => ({ result: this.commands.get(commandsKey(params)) ?? [] })],
      ['deletemycommands', (params) => this.deleteMyCommands(params)],
      ['close', () => ({ result: true })],
      ['logout', () => ({ result: true })],
    ])
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        // A failure here is a bug in the fake; answer like Telegram's front end rather than hang the client.
        if (!res.headersSent)
          this.writeJson(res, 500, errorBody(new BotApiError(500, 'Internal Server Error')))
      })
    })
  }

  get sent(): readonly SentMessageRecord[] {
    return this.sentLog
  }

  get edits(): readonly EditedMessageRecord[] {
    return this.editLog
  }

  get markupEdits(): readonly MarkupEditRecord[] {
    return this.markupEditLog
  }

  get callbackAnswers(): readonly CallbackAnswerRecord[] {
    return this.callbackQueries.answers
  }

  get calls(): readonly CallRecord[] {
    return this.callLog
  }

  get responses409(): number {
    return this.conflicts
  }

  get count429(): number {
    return this.floods
  }

  get pendingUpdateCount(): number {
    return this.queue.pendingCount
  }

  get hasPendingPoll(): boolean {
    return this.queue.hasPendingPoll
  }

  get webhookUrl(): string {
    return this.queue.webhookUrl
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address() as AddressInfo
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.url = `http://${shownHost}:${address.port}`
  }

  countCalls(method: string, status?: number): number {
    const name = method.toLowerCase()
    return this.callLog.filter(
      (call) => call.method.toLowerCase() === name && (status === undefined || call.status === status),
    ).length
  }

  clear(): void {
    this.sentLog.length = 0
    this.editLog.length = 0
    this.markupEditLog.length = 0
    this.callbackQueries.clear()
    this.callLog.length = 0
    this.conflicts = 0
    this.floods = 0
  }

  resetRateLimits(): void {
    this.limiter.reset()
  }

  pushUpdate(update: Omit<FakeUpdate, 'update_id'> & { update_id?: number }): FakeUpdate | undefined {
    return this.queue.push(update)
  }

  pushMessage(input: {
    chat: number | FakeChat
    text: string
    from?: Partial<FakeUser>
  }): FakeUpdate | undefined {
    const chat = this.chatOf(input.chat)
    const from = this.userFrom(chat, input.from)
    const command = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/.exec(input.text)?.[0]
    const message = {
      message_id: this.chats.nextMessageId(chat.id),
      from,
      chat,
      date: unixNow(),
      text: input.text,
      ...(command === undefined
        ? {}
        : { entities: [{ type: 'bot_command', offset: 0, length: command.length }] }),
    }
    return this.queue.push({ message })
  }

  pushCallbackQuery(press: {
    message: { chat: number | FakeChat; message_id: number }
    data: string
    from?: Partial<FakeUser>
  }): FakeCallbackQueryUpdate | undefined {
    const chat = this.chatOf(press.message.chat)
    const messageId = press.message.message_id
    const stored = this.messages.get(messageKey(chat.id, messageId))?.message as FakeMessage | undefined
    const message = stored ?? { message_id: messageId, chat, date: 0 }
    const query = this.callbackQueries.create({
      chatId: chat.id,
      from: this.userFrom(chat, press.from),
      message,
      data: press.data,
    })
    const update = this.queue.push({ callback_query: query })
    if (update === undefined) return undefined
    this.callbackQueries.issue(query)
    return update as FakeCallbackQueryUpdate
  }

  setChatMember(chatId: number | string, userId: number, status: FakeChatMemberStatus): void {
    this.members.set(this.chats.parseChatId(String(chatId)), userId, status)
  }

  addBotToChat(input: { chat: number | FakeChat; from?: Partial<FakeUser> }): FakeUpdate | undefined {
    const chat = this.chatOf(input.chat)
    const bot = { user: this.botInfo }
    return this.queue.push({
      my_chat_member: {
        chat,
        from: this.userFrom(chat, input.from),
        date: unixNow(),
        old_chat_member: { ...bot, status: 'left' },
        new_chat_member: { ...bot, status: chat.type === 'channel' ? 'administrator' : 'member' },
      },
    })
  }

  fail(method: string, spec: FakeFaultSpec = {}): void {
    this.faults.add(method, spec)
  }

  migrateChat(oldId: number, newId: number): void {
    this.chats.migrate(oldId, newId)
  }

  blockChat(id: number | string, reason: BlockReason = 'blocked'): void {
    this.chats.block(id, reason)
  }

  forgetChat(id: number | string): void {
    this.chats.forget(id)
  }

  addTopic(chatId: number | string, threadId: number): void {
    this.chats.addTopic(chatId, threadId)
  }

  clearFaults(): void {
    this.faults.clear()
    this.chats.clearFaults()
  }

  deleteMessage(chatId: number | string, messageId: number): boolean {
    return this.messages.delete(messageKey(this.chats.parseChatId(String(chatId)), messageId))
  }

  freezeMessage(chatId: number | string, messageId: number): boolean {
    const stored = this.messages.get(messageKey(this.chats.parseChatId(String(chatId)), messageId))
    if (stored === undefined) return false
    stored.frozen = true
    return true
  }

  message(chatId: number | string, messageId: number): ShownMessage | undefined {
    const stored = this.messages.get(messageKey(this.chats.parseChatId(String(chatId)), messageId))
    if (stored === undefined) return undefined
    return {
      text: stored.text,
      entities: stored.entities,
      ...(stored.message.reply_markup === undefined ? {} : { reply_markup: stored.message.reply_markup }),
      edited: stored.edited === true,
    }
  }

  async close(): Promise<void> {
    this.queue.close()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closed
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const route = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname)
    if (route === null) {
      this.writeJson(res, 404, errorBody(new BotApiError(404, 'Not Found')))
      return
    }
    const [, token, method = ''] = route
    const call: CallRecord = { method, params: {}, status: null, at }
    this.callLog.push(call)
    if (token !== this.token) {
      this.answer(res, call, new BotApiError(401, 'Unauthorized'))
      return
    }
    try {
      call.params = await parseParams(req, url.searchParams, body)
    } catch (error) {
      this.answer(res, call, error instanceof BotApiError ? error : badRequest('invalid request body'))
      return
    }

    const fault = this.faults.take(method)
    const answerDelayMs = fault?.kind === 'delay_answer' ? (fault.ms ?? 0) : 0
    if (fault !== undefined && fault.kind !== 'delay_answer') {
      const kind = fault.kind ?? 'http_error'
      if (kind === 'drop_connection') {
        call.status = 0
        req.socket.destroy()
        return
      }
      if (kind === 'delay') await sleep(fault.ms ?? 0)
      else {
        this.answerFault(res, call, fault)
        return
      }
    }

    const handler = this.methods.get(method.toLowerCase())
    if (handler === undefined) {
      this.answer(res, call, new BotApiError(404, 'Not Found'))
      return
    }
    try {
      const result = await handler(call.params)
      if (answerDelayMs > 0) await sleep(answerDelayMs)
      this.answer(res, call, result)
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error
      this.answer(res, call, error)
    }
  }

  private answerFault(res: ServerResponse, call: CallRecord, fault: FakeFaultSpec): void {
    const status = fault.status ?? 500
    const parameters: ResponseParameters | undefined =
      status === 429 ? { retry_after: fault.retryAfter ?? 1 } : undefined
    const description =
      fault.description ??
      (status === 429
        ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
        : defaultDescription(status))
    if (fault.body === 'html') {
      this.count(call, status, description)
      res.writeHead(status, { 'content-type': 'text/html' })
      res.end(
        `<html><head><title>${status} ${description}</title></head><body><h1>${description}</h1></body></html>`,
      )
      return
    }
    this.answer(res, call, new BotApiError(status, description, parameters))
  }

  private answer(res: ServerResponse, call: CallRecord, outcome: Answer | BotApiError): void {
    if (outcome instanceof BotApiError) {
      this.count(call, outcome.code, outcome.description)
      this.writeJson(res, outcome.code, errorBody(outcome))
      return
    }
    this.count(call, 200)
    const description = outcome.description === undefined ? {} : { description: outcome.description }
    this.writeJson(res, 200, { ok: true, result: outcome.result, ...description })
  }

  private count(call: CallRecord, status: number, description?: string): void {
    call.status = status
    if (description !== undefined) call.description = description
    if (status === 409) this.conflicts++
    if (status === 429) this.floods++
  }

  private writeJson(res: ServerResponse, status: number, body: unknown): void {
    // A long poll whose client gave up is still answered by Telegram; here the write just goes nowhere.
    if (res.writableEnded || res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  private getUpdates(params: Params): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.queue.getUpdates(params, (outcome) => {
        if (outcome instanceof BotApiError) reject(outcome)
        else resolve({ result: outcome })
      })
    })
  }

  private setWebhook(params: Params): Answer {
    const url = stringArg(params, 'url')
    if (url !== '' && !url.toLowerCase().startsWith('https://')) {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook')
    }
    const description = this.queue.setWebhook(url, boolArg(params, 'drop_pending_updates'), params)
    return { result: true, description }
  }

  private deleteWebhook(params: Params): Answer {
    const description = this.queue.setWebhook('', boolArg(params, 'drop_pending_updates'), params)
    return { result: true, description }
  }

  private getWebhookInfo(): Answer {
    const url = this.queue.webhookUrl
    return {
      result: {
        url,
        has_custom_certificate: false,
        pending_update_count: this.queue.pendingCount,
        ...(url === '' ? {} : { max_connections: 40 }),
      },
    }
  }

  private sendMessage(params: Params): Answer {
    const prepared = prepareMessageText(params, this.strictHtml)
    const replyMarkup = parseReplyMarkup(params)
    const chatId = this.chats.parseChatId(stringArg(params, 'chat_id'))
    this.chats.checkWritable(chatId)
    const threadId =
      params.message_thread_id === undefined ? undefined : intArg(params, 'message_thread_id', 0)
    this.chats.checkThread(chatId, threadId)
    checkMessageLength(prepared)
    checkReplyMarkupOnServer(replyMarkup)
    const retryAfter = this.limiter.retryAfter(chatKey(chatId), isGroupChat(chatId))
    if (retryAfter > 0) throw tooManyRequests(retryAfter)
    this.limiter.record(chatKey(chatId), isGroupChat(chatId))

    const messageId = this.chats.nextMessageId(chatId)
    const date = unixNow()
    const linkPreview = jsonArg(params, 'link_preview_options', 'link preview options')
    const message = this.messageObject(chatId, messageId, date, prepared, replyMarkup, threadId)
    this.messages.set(messageKey(chatId, messageId), {
      text: prepared.text,
      entities: prepared.entities,
      replyMarkup,
      message,
    })
    this.sentLog.push({
      message_id: messageId,
      chat_id: chatId,
      ...(threadId === undefined ? {} : { message_thread_id: threadId }),
      text: prepared.source,
      plain_text: prepared.text,
      ...(prepared.parseMode === undefined ? {} : { parse_mode: prepared.parseMode }),
      ...(prepared.entities.length === 0 ? {} : { entities: prepared.entities }),
      ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
      ...(linkPreview === undefined ? {} : { link_preview_options: linkPreview }),
      ...(params.disable_notification === undefined
        ? {}
        : { disable_notification: boolArg(params, 'disable_notification') }),
      date,
    })
    return { result: message }
  }

  // The chat as the bot sees it; the same refusals as sending (unknown, upgraded, blocked or kicked).
  private getChat(params: Params): Answer {
    const chatId = this.chats.parseChatId(stringArg(params, 'chat_id'))
    this.chats.checkWritable(chatId)
    return { result: this.chats.chatObject(chatId) }
  }

  private editMessageText(params: Params): Answer {
    const prepared = prepareMessageText(params, this.strictHtml)
    const replyMarkup = parseReplyMarkup(params)
    const { chatId, messageId, stored } = this.messageToEdit(params)
    checkMessageLength(prepared)
    checkReplyMarkupOnServer(replyMarkup)
    if (
      stored.text === prepared.text &&
      JSON.stringify(stored.entities) === JSON.stringify(prepared.entities) &&
      sameInlineKeyboard(stored.replyMarkup, replyMarkup)
    ) {
      throw badRequest(NOT_MODIFIED)
    }
    this.limiter.record(chatKey(chatId), isGroupChat(chatId))
    const editDate = unixNow()
    const base = stored.message
    const message = {
      ...this.messageObject(chatId, messageId, base.date as number, prepared, replyMarkup, undefined),
      ...(base.message_thread_id === undefined ? {} : { message_thread_id: base.message_thread_id }),
      edit_date: editDate,
    }
    this.messages.set(messageKey(chatId, messageId), {
      text: prepared.text,
      entities: prepared.entities,
      replyMarkup,
      message,
      edited: true,
    })
    this.editLog.push({
      message_id: messageId,
      chat_id: chatId,
      text: prepared.source,
      plain_text: prepared.text,
      ...(prepared.parseMode === undefined ? {} : { parse_mode: prepared.parseMode }),
      ...(prepared.entities.length === 0 ? {} : { entities: prepared.entities }),
      ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
      edit_date: editDate,
    })
    return { result: message }
  }

  private editMessageReplyMarkup(params: Params): Answer {
    const replyMarkup = parseReplyMarkup(params)
    const { chatId, messageId, stored } = this.messageToEdit(params)
    checkReplyMarkupOnServer(replyMarkup)
    if (sameInlineKeyboard(stored.replyMarkup, replyMarkup)) throw badRequest(NOT_MODIFIED)
    this.limiter.record(chatKey(chatId), isGroupChat(chatId))
    const editDate = unixNow()
    const { reply_markup: _replaced, ...unchanged } = stored.message
    const message = { ...unchanged, ...shownKeyboard(replyMarkup), edit_date: editDate }
    this.messages.set(messageKey(chatId, messageId), { ...stored, replyMarkup, message })
    this.markupEditLog.push({
      message_id: messageId,
      chat_id: chatId,
      ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
      edit_date: editDate,
    })
    return { result: message }
  }

  // What Telegram checks before an edit's content, in its order: the chat, the pace (an edit counts toward the
  // chat's, the group's and the bot's limits like a message), then the message itself.
  private messageToEdit(params: Params): EditTarget {
    const chatId = this.chats.parseChatId(stringArg(params, 'chat_id'))
    this.chats.checkWritable(chatId)
    const messageId = intArg(params, 'message_id', 0)
    const retryAfter = this.limiter.retryAfter(chatKey(chatId), isGroupChat(chatId))
    if (retryAfter > 0) throw tooManyRequests(retryAfter)
    const stored = this.messages.get(messageKey(chatId, messageId))
    if (stored === undefined) throw badRequest('message to edit not found')
    if (stored.frozen) throw badRequest("message can't be edited")
    return { chatId, messageId, stored }
  }

  private answerCallbackQuery(params: Params): Answer {
    this.callbackQueries.answer(params)
    return { result: true }
  }

  private getChatMember(params: Params): Answer {
    // Telegram reads user_id before it looks at the chat.
    const userId = intArg(params, 'user_id', 0)
    if (userId <= 0) throw badRequest('Invalid user_id specified')
    const chatId = this.chats.parseChatId(stringArg(params, 'chat_id'))
    this.chats.checkWritable(chatId)
    const user =
      userId === this.botInfo.id
        ? this.botInfo
        : (this.users.get(userId) ?? { id: userId, is_bot: false, first_name: `User ${userId}` })
    return { result: this.members.memberObject(chatId, user) }
  }

  private chatOf(chat: number | FakeChat): FakeChat {
    const object = typeof chat === 'number' ? this.chats.chatObject(chat) : chat
    // Remembered, so getChat (and later messages) show the same chat.
    this.chats.remember(object)
    return object
  }

  // The sender of a pushed update; remembered so getChatMember describes the same user.
  private userFrom(chat: FakeChat, overrides: Partial<FakeUser> | undefined): FakeUser {
    const user: FakeUser = {
      id: chat.type === 'private' ? chat.id : 1_000_001,
      is_bot: false,
      first_name: 'Test',
      last_name: 'User',
      language_code: 'en',
      ...overrides,
    }
    this.users.set(user.id, user)
    return user
  }

  private messageObject(
    chatId: ChatId,
    messageId: number,
    date: number,
    prepared: PreparedText,
    replyMarkup: Record<string, unknown> | undefined,
    threadId: number | undefined,
  ): Record<string, unknown> {
    return {
      message_id: messageId,
      ...(threadId === undefined ? {} : { message_thread_id: threadId, is_topic_message: true }),
      from: this.botInfo,
      chat: this.chats.chatObject(chatId),
      date,
      text: prepared.text,
      ...(prepared.entities.length === 0 ? {} : { entities: prepared.entities }),
      ...shownKeyboard(replyMarkup),
    }
  }

  private setMyCommands(params: Params): Answer {
    const commands = jsonArg(params, 'commands', 'commands')
    if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object")
    for (const entry of commands as Array<{ command?: unknown; description?: unknown }>) {
      const command = typeof entry?.command === 'string' ? entry.command.replace(/^\//, '') : ''
      if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID')
      const description = typeof entry.description === 'string' ? entry.description.trim() : ''
      if (description.length < 1 || description.length > 256)
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID')
    }
    this.commands.set(
      commandsKey(params),
      commands.map((entry: { command: string; description: string }) => ({
        command: entry.command.replace(/^\//, ''),
        description: entry.description,
      })),
    )
    return { result: true }
  }

  private deleteMyCommands(params: Params): Answer {
    this.commands.delete(commandsKey(params))
    return { result: true }
  }
}

const messageKey = (chatId: ChatId, messageId: number): string => `${chatKey(chatId)}:${messageId}`

// A message shows only an inline keyboard with buttons; other markup (reply keyboards, force reply) and an
// empty keyboard are not part of it.
function shownKeyboard(replyMarkup: Record<string, unknown> | undefined): Record<string, unknown> {
  const rows = replyMarkup?.inline_keyboard
  const hasButtons = Array.isArray(rows) && rows.some((row) => Array.isArray(row) && row.length > 0)
  return hasButtons ? { reply_markup: { inline_keyboard: rows } } : {}
}

const commandsKey = (params: Params): string =>
  `${JSON.stringify(jsonArg(params, 'scope', 'BotCommandScope') ?? { type: 'default' })}|${stringArg(params, 'language_code')}`

/**
 * Start a fake Telegram Bot API server on 127.0.0.1 (a free port by default). Point grammY (`client.apiRoot`),
 * Telegraf (`telegram.apiRoot`) or Keygram's transport at `fake.url`.
 *
 * @example
 * const fake = await createFakeBotApi({ limits: { enabled: false } })
 * const bot = new Bot(fake.token, { client: { apiRoot: fake.url } })
 * await bot.api.sendMessage(42, '<b>hi</b>', { parse_mode: 'HTML' })
 * fake.sent[0]?.plain_text // 'hi'
 * await fake.close()
 */
export async function createFakeBotApi(options: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const server = new FakeBotApiServer(options)
  await server.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return server
}
