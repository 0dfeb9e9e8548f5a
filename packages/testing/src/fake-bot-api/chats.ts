/**
 * What the fake knows about chats: which ones were upgraded, blocked the bot or are unknown, forum topics, and
 * per-chat message ids. Every other chat exists and accepts messages.
 *
 * @module
 */
import { BotApiError, badRequest } from './bot-api-error.ts'
import type { BlockReason, FakeChat } from './types.ts'

/** A chat id as the Bot API takes it: a number, or `@username` of a public chat. */
export type ChatId = number | string

// Telegram's supergroup and channel ids are -100 followed by the internal id.
const SUPERGROUP_ID_MAX = -1_000_000_000_000

/** A stable key for maps, whatever form the id came in. */
export const chatKey = (id: ChatId): string => String(id)

/** Whether messages to this chat count against the per-group limit. */
export const isGroupChat = (id: ChatId): boolean => typeof id === 'string' || id < 0

/** Chat state the tests configure, and the checks Telegram makes before sending to a chat. */
export class ChatDirectory {
  private readonly migrations = new Map<string, number>()
  private readonly blocked = new Map<string, BlockReason>()
  private readonly forgotten = new Set<string>()
  private readonly topics = new Map<string, Set<number>>()
  private readonly lastMessageIds = new Map<string, number>()
  private readonly known = new Map<string, FakeChat>()

  /** Keep a chat an update carried (its title, type), so `getChat` and later messages show the same. */
  remember(chat: FakeChat): void {
    this.known.set(chatKey(chat.id), chat)
  }

  /** Parse `chat_id` like the Bot API: empty is an error, `@name` is a public chat, other text is unknown. */
  parseChatId(raw: string): ChatId {
    const text = raw.trim()
    if (text === '') throw badRequest('chat_id is empty')
    if (text.startsWith('@')) return text
    if (!/^-?\d+$/.test(text) || Number(text) === 0) throw badRequest('chat not found')
    return Number(text)
  }

  /** Throw what Telegram answers when the bot may not write to this chat. */
  checkWritable(id: ChatId): void {
    const key = chatKey(id)
    if (this.forgotten.has(key)) throw badRequest('chat not found')
    const migratedTo = this.migrations.get(key)
    if (migratedTo !== undefined) {
      throw badRequest('group chat was upgraded to a supergroup chat', { migrate_to_chat_id: migratedTo })
    }
    const reason = this.blocked.get(key)
    if (reason !== undefined) throw new BotApiError(403, `Forbidden: ${blockDescription(id, reason)}`)
  }

  /** Throw "message thread not found" when the chat is a forum without that topic. */
  checkThread(id: ChatId, threadId: number | undefined): void {
    if (threadId === undefined) return
    const known = this.topics.get(chatKey(id))
    if (known !== undefined && !known.has(threadId)) throw badRequest('message thread not found')
  }

  /** The next message id in this chat (ids count per chat, from 1). */
  nextMessageId(id: ChatId): number {
    const next = (this.lastMessageIds.get(chatKey(id)) ?? 0) + 1
    this.lastMessageIds.set(chatKey(id), next)
    return next
  }

  /** The `Chat` object Telegram would put in a message to this chat. */
  chatObject(id: ChatId): FakeChat {
    const known = this.known.get(chatKey(id))
    if (known !== undefined) return known
    if (typeof id === 'string') {
      const username = id.slice(1)
      return { id: stableChannelId(username), type: 'channel', title: username, username }
    }
    if (id > 0) return { id, type: 'private', first_name: `User ${id}` }
    if (id <= SUPERGROUP_ID_MAX) {
      const isForum = this.topics.has(chatKey(id))
      return { id, type: 'supergroup', title: `Supergroup ${id}`, ...(isForum ? { is_forum: true } : {}) }
    }
    return { id, type: 'group', title: `Group ${id}` }
  }

  /** Record an upgrade of `oldId` to the supergroup `newId`. */
  migrate(oldId: number, newId: number): void {
    this.migrations.set(chatKey(oldId), newId)
  }

  /** Make sends to the chat answer 403. */
  block(id: ChatId, reason: BlockReason): void {
    this.blocked.set(chatKey(id), reason)
  }

  /** Make sends to the chat answer "chat not found". */
  forget(id: ChatId): void {
    this.forgotten.add(chatKey(id))
  }

  /** Make the chat a forum with this topic. */
  addTopic(id: ChatId, threadId: number): void {
    const key = chatKey(id)
    const known = this.topics.get(key) ?? new Set<number>()
    known.add(threadId)
    this.topics.set(key, known)
  }

  /** Undo migrations, blocks and forgotten chats (topics stay: they are setup, not faults). */
  clearFaults(): void {
    this.migrations.clear()
    this.blocked.clear()
    this.forgotten.clear()
  }
}

function blockDescription(id: ChatId, reason: BlockReason): string {
  if (reason === 'deactivated') return 'user is deactivated'
  if (reason === 'blocked' || (typeof id === 'number' && id > 0)) return 'bot was blocked by the user'
  if (typeof id === 'string') return 'bot was kicked from the channel chat'
  return id <= SUPERGROUP_ID_MAX
    ? 'bot was kicked from the supergroup chat'
    : 'bot was kicked from the group chat'
}

function stableChannelId(username: string): number {
  let hash = 0
  for (const ch of username.toLowerCase()) hash = (Math.imul(hash, 31) + (ch.codePointAt(0) ?? 0)) >>> 0
  return SUPERGROUP_ID_MAX - (hash % 1_000_000_000)
}
