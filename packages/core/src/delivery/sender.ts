/**
 * How a notification goes out: every Telegram call through the worker's send window and global pause, the
 * plain-text fallback for unparsable HTML, splitting of a too-long message, and several messages of one
 * notification in order, each part recorded before the next (see `send-progress`).
 *
 * @module
 */
import type { OutgoingMessage } from '../telegram/types.ts'
import type { Clock } from './clock.ts'
import { type ChatPacing, chatIntervalMs } from './pacing.ts'
import { splitPlainText, toPlainText } from './plain-text.ts'
import { loadSendProgress, type SendProgress } from './send-progress.ts'
import { type Delivery, isFailure, type SendResult } from './send-result.ts'
import type { SendWindow } from './send-window.ts'
import type {
  ChatTarget,
  KeyValueStore,
  TelegramFailure,
  TelegramSuccess,
  TelegramTransport,
} from './types.ts'

/** What {@link createSender} needs from the worker. */
export interface SenderDeps {
  transport: TelegramTransport
  clock: Clock
  limits: ChatPacing
  sendWindow: SendWindow
  /** Epoch ms until which a global 429 holds every send. */
  pausedUntil: () => number
  /** Where the progress of multi-part notifications is kept. */
  kv: Pick<KeyValueStore, 'get' | 'set'>
  onError: (error: string) => void
}

/** The worker's ways to call Telegram. */
export interface Sender {
  /** Runs one Telegram call (a send or an edit) through the send window and the global pause. */
  paced(call: () => Promise<TelegramSuccess | TelegramFailure>): Promise<SendResult>
  /**
   * Sends one notification's message, splitting it when too long. `progress` loads the job's record of
   * parts already sent; `more` says whether another message of the same job follows this one.
   */
  send(
    target: ChatTarget,
    message: OutgoingMessage,
    progress?: () => Promise<SendProgress | null>,
    more?: boolean,
  ): Promise<Delivery>
  /** Sends a notification's messages in order; `jobId` keys its progress (`null`: not recorded). */
  sendAll(target: ChatTarget, messages: readonly OutgoingMessage[], jobId?: string | null): Promise<Delivery>
}

/** Creates the worker's {@link Sender}. */
export function createSender(deps: SenderDeps): Sender {
  const { clock, limits, sendWindow } = deps

  // Every call to Telegram (a send or an edit) goes through the send window and the global pause.
  async function paced(call: () => Promise<TelegramSuccess | TelegramFailure>): Promise<SendResult> {
    const answered = await sendWindow.acquire(clock)
    try {
      if (deps.pausedUntil() > clock.now()) return 'paused'
      return await call()
    } catch (error) {
      // The contract says transports never throw; one that does is treated as a network failure.
      return { ok: false, kind: 'network', errorCode: null, description: String(error) }
    } finally {
      answered()
    }
  }

  function sendOne(target: ChatTarget, message: OutgoingMessage): Promise<SendResult> {
    return paced(() => deps.transport.sendMessage(target, message))
  }

  // A part that went out before a crash or a failure (see `send-progress`) is not sent again.
  async function sendPart(
    target: ChatTarget,
    message: OutgoingMessage,
    progress: SendProgress | null,
    more: boolean,
  ): Promise<SendResult> {
    const sentAs = progress?.sentAs(message.text)
    if (sentAs !== undefined) return { ok: true, messageId: sentAs }
    const result = await sendOne(target, message)
    if (more && progress !== null && result !== 'paused' && result.ok)
      await progress.record(message.text, result.messageId)
    return result
  }

  /**
   * Sends one notification's message, splitting it when too long. `progress` loads the job's record of
   * parts already sent (several parts may go out, each recorded before the next); `more` says whether
   * another message of the same job follows this one.
   */
  async function send(
    target: ChatTarget,
    message: OutgoingMessage,
    progress: () => Promise<SendProgress | null> = async () => null,
    more = false,
  ): Promise<Delivery> {
    let fallback: Delivery['fallback'] = null
    let result = await sendPart(target, message, more ? await progress() : null, more)
    let current = message
    if (isFailure(result, 'parse_entities') && current.parse_mode !== undefined) {
      current = toPlainText(current)
      fallback = 'plain'
      result = await sendPart(target, current, more ? await progress() : null, more)
    }
    if (!isFailure(result, 'message_too_long')) {
      return { result, messageIds: result !== 'paused' && result.ok ? [result.messageId] : [], fallback }
    }
    const parts = splitPlainText(toPlainText(current).text)
    const partProgress = await progress()
    const messageIds: number[] = []
    const { reply_markup: replyMarkup, parse_mode: _parseMode, ...rest } = current
    for (const [index, text] of parts.entries()) {
      if (index > 0) await clock.sleep(chatIntervalMs(target.chatId, limits))
      // The buttons belong under the last part, where the message ends.
      const part: OutgoingMessage = { ...rest, text }
      if (replyMarkup !== undefined && index === parts.length - 1) part.reply_markup = replyMarkup
      const partResult = await sendPart(target, part, partProgress, more || index < parts.length - 1)
      if (partResult === 'paused' || !partResult.ok)
        return { result: partResult, messageIds, fallback: 'split' }
      messageIds.push(partResult.messageId)
    }
    const lastId = messageIds[messageIds.length - 1]
    if (lastId === undefined) {
      const failure: TelegramFailure = {
        ok: false,
        kind: 'bad_request',
        errorCode: null,
        description: 'message has no visible text to send',
      }
      return { result: failure, messageIds, fallback: 'split' }
    }
    return { result: { ok: true, messageId: lastId }, messageIds, fallback: 'split' }
  }

  // A rendered notification may be several messages; they go in order, paced like a split message. Each
  // part that went out is recorded (`send-progress`), so a retry after a failure or a crash sends only the
  // rest (and at most the one part that was in flight again).
  async function sendAll(
    target: ChatTarget,
    messages: readonly OutgoingMessage[],
    jobId: string | null = null,
  ): Promise<Delivery> {
    let loaded: Promise<SendProgress> | null = null
    const progress = async () => {
      if (jobId === null) return null
      loaded ??= loadSendProgress(deps.kv, jobId, (error) =>
        deps.onError(`could not keep the progress of job ${jobId}: ${errorText(error)}`),
      )
      return loaded
    }
    const messageIds: number[] = []
    let fallback: Delivery['fallback'] = null
    let last: Delivery | null = null
    for (const [index, message] of messages.entries()) {
      if (index > 0) await clock.sleep(chatIntervalMs(target.chatId, limits))
      last = await send(target, message, progress, index < messages.length - 1)
      messageIds.push(...last.messageIds)
      fallback = last.fallback ?? fallback
      if (last.result === 'paused' || !last.result.ok) break
    }
    if (last === null) throw new Error('no message to send')
    return { result: last.result, messageIds, fallback }
  }

  return { paced, send, sendAll }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
