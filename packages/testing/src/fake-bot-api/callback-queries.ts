/**
 * Button presses: the callback queries the tests push, and `answerCallbackQuery` with Telegram's checks (an
 * unknown, already answered or too old query id, a notification text over 200 characters).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { badRequest } from './bot-api-error.ts'
import { type ChatId, chatKey } from './chats.ts'
import { boolArg, intArg, type Params, stringArg } from './request-params.ts'
import type { CallbackAnswerRecord, FakeCallbackQuery, FakeMessage, FakeUser } from './types.ts'

/** Telegram's answer to a query id it no longer (or never) knew. */
export const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid'

/** Telegram's limit on the notification text of an answer, in characters. */
export const CALLBACK_ANSWER_TEXT_LIMIT = 200

// The Bot API clamps cache_time to 30 days.
const CACHE_TIME_MAX_S = 30 * 24 * 60 * 60

interface IssuedQuery {
  query: FakeCallbackQuery
  issuedAt: number
  answered: boolean
}

/** What a press is made of; the rest (`id`, `chat_instance`) is assigned here. */
export interface PressInput {
  chatId: ChatId
  from: FakeUser
  message: FakeMessage
  data: string
}

/** Callback queries handed out to pollers and the answers the bot gave them. */
export class CallbackQueries {
  /** Successful answers, in order. */
  readonly answers: CallbackAnswerRecord[] = []
  private readonly issued = new Map<string, IssuedQuery>()
  private readonly chatInstances = new Map<string, string>()

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new callback query for a press; it can be answered once {@link issue}d. */
  create(input: PressInput): FakeCallbackQuery {
    return {
      id: BigInt.asUintN(63, random64()).toString(),
      from: input.from,
      message: input.message,
      chat_instance: this.chatInstance(input.chatId),
      data: input.data,
    }
  }

  /** Start the query's answer window: the update carrying it is on its way to the bot. */
  issue(query: FakeCallbackQuery): void {
    this.issued.set(query.id, { query, issuedAt: this.now(), answered: false })
  }

  /** `answerCallbackQuery`: record the answer, or throw Telegram's 400. */
  answer(params: Params): CallbackAnswerRecord {
    const id = stringArg(params, 'callback_query_id')
    const issued = this.issued.get(id)
    if (issued === undefined || issued.answered || this.now() - issued.issuedAt > this.timeoutMs) {
      throw badRequest(QUERY_TOO_OLD)
    }
    const text = stringArg(params, 'text')
    if ([...text].length > CALLBACK_ANSWER_TEXT_LIMIT) throw badRequest('MESSAGE_TOO_LONG')
    issued.answered = true
    const url = stringArg(params, 'url')
    const record: CallbackAnswerRecord = {
      callback_query_id: id,
      ...(text === '' ? {} : { text }),
      show_alert: boolArg(params, 'show_alert'),
      ...(url === '' ? {} : { url }),
      cache_time: intArg(params, 'cache_time', 0, 0, CACHE_TIME_MAX_S),
      query: issued.query,
      at: this.now(),
    }
    this.answers.push(record)
    return record
  }

  /** Forget the recorded answers (queries stay answerable). */
  clear(): void {
    this.answers.length = 0
  }

  // Telegram's chat_instance is a stable, opaque signed 64-bit id per chat.
  private chatInstance(chatId: ChatId): string {
    const key = chatKey(chatId)
    let instance = this.chatInstances.get(key)
    if (instance === undefined) {
      instance = BigInt.asIntN(64, random64()).toString()
      this.chatInstances.set(key, instance)
    }
    return instance
  }
}

const random64 = (): bigint => randomBytes(8).readBigUInt64BE()
