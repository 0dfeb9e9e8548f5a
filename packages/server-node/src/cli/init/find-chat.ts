/**
 * Finding the chat notifications go to: the user adds the bot to a group (Telegram sends `my_chat_member`)
 * or sends `/start` in a chat, and the update names the chat's id and title.
 *
 * Reading updates is polling: it must not fight a poller. The caller first makes sure no Keygram instance
 * polls through its store; here a webhook stops the search before it starts, and a 409 (another process
 * polls) stops it at once, so the other poller loses one request at most.
 *
 * @module
 */
import { type BotApiCall, describeReply } from '../bot-api.ts'

/** A chat the bot was added to or was sent `/start` in. */
export interface FoundChat {
  id: string
  title: string
  /** `group`, `supergroup`, `channel` or `private`. */
  type: string
}

/** The chats found (newest first), or why none can be. */
export type ChatSearch = { ok: true; chats: FoundChat[] } | { ok: false; problem: string }

/** Options of {@link findChats}. */
export interface FindChatsOptions {
  /** The bot's username, to recognise `/start@bot`. */
  username: string
  /** How long to wait for a chat, in seconds. */
  waitSeconds: number
  /** Called once when nothing is pending and the search starts waiting. */
  onWaiting?: () => void
}

interface TelegramChat {
  id: number
  type: string
  title?: string
  first_name?: string
  last_name?: string
  username?: string
}

interface Update {
  update_id: number
  message?: { chat: TelegramChat; text?: string }
  channel_post?: { chat: TelegramChat; text?: string }
  my_chat_member?: { chat: TelegramChat; new_chat_member?: { status?: string } }
}

function titleOf(chat: TelegramChat): string {
  const name = [chat.first_name, chat.last_name].filter(Boolean).join(' ')
  return chat.title ?? (name || (chat.username === undefined ? String(chat.id) : `@${chat.username}`))
}

/** The chat an update points at: the bot added to it, or `/start` (or `/chatid`) sent in it. */
function chatOf(update: Update, username: string): TelegramChat | null {
  const joined = update.my_chat_member
  if (joined !== undefined && ['member', 'administrator'].includes(joined.new_chat_member?.status ?? ''))
    return joined.chat.type === 'private' ? null : joined.chat
  const post = update.message ?? update.channel_post
  const command = new RegExp(`^/(?:start|chatid)(?:@${username})?(?:\\s|$)`, 'i')
  return post !== undefined && command.test(post.text ?? '') ? post.chat : null
}

function collect(updates: readonly Update[], username: string, found: Map<string, FoundChat>): void {
  for (const update of updates) {
    const chat = chatOf(update, username)
    if (chat === null) continue
    const id = String(chat.id)
    found.delete(id)
    found.set(id, { id, title: titleOf(chat), type: chat.type })
  }
}

const newestFirst = (found: Map<string, FoundChat>) => [...found.values()].reverse()

/** Looks at the updates waiting, then waits for new ones, until a chat shows up or the time is up. */
export async function findChats(call: BotApiCall, options: FindChatsOptions): Promise<ChatSearch> {
  const info = await call('getWebhookInfo')
  if (info.ok && (info.result as { url?: string }).url) {
    return {
      ok: false,
      problem:
        'this bot has a Telegram webhook set (another program receives its updates), so init cannot read them',
    }
  }
  const found = new Map<string, FoundChat>()
  const deadline = Date.now() + options.waitSeconds * 1000
  let offset: number | undefined
  let waiting = false
  for (;;) {
    const seconds =
      offset === undefined ? 0 : Math.max(1, Math.min(10, Math.ceil((deadline - Date.now()) / 1000)))
    const reply = await call(
      'getUpdates',
      { timeout: seconds, ...(offset === undefined ? {} : { offset }) },
      (seconds + 10) * 1000,
    )
    if (!reply.ok) {
      if (reply.error_code === 409)
        return {
          ok: false,
          problem: `another process polls this bot (${reply.description ?? '409'}), so init cannot read its updates without fighting it`,
        }
      return { ok: false, problem: `Telegram did not answer getUpdates (${describeReply(reply)})` }
    }
    const updates = reply.result as Update[]
    collect(updates, options.username, found)
    if (found.size > 0) return { ok: true, chats: newestFirst(found) }
    if (Date.now() >= deadline)
      return { ok: false, problem: `no chat showed up within ${options.waitSeconds} s` }
    // Waiting for what comes next means confirming what was read: those updates did not name a chat.
    const last = updates.at(-1)?.update_id
    offset = last === undefined ? (offset ?? 0) : last + 1
    if (!waiting) {
      waiting = true
      options.onWaiting?.()
    }
  }
}
