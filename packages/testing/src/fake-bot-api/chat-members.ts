/**
 * Who is what in which chat, for `getChatMember`: statuses the tests set, `member` for everyone else, and
 * the `ChatMember` object Telegram answers for each status.
 *
 * @module
 */
import { type ChatId, chatKey } from './chats.ts'
import type { FakeChatMemberStatus, FakeUser } from './types.ts'

// What Telegram reports for an administrator the fake knows nothing more about: the usual rights of a group
// admin promoted with the defaults.
const ADMINISTRATOR_RIGHTS = {
  can_be_edited: false,
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_manage_voice_chats: true,
}

/** Chat members' statuses as the tests set them. */
export class ChatMembers {
  private readonly statuses = new Map<string, FakeChatMemberStatus>()

  /** Give a user a status in a chat. */
  set(chatId: ChatId, userId: number, status: FakeChatMemberStatus): void {
    this.statuses.set(memberKey(chatId, userId), status)
  }

  /** The user's status in the chat; `member` unless set. */
  status(chatId: ChatId, userId: number): FakeChatMemberStatus {
    return this.statuses.get(memberKey(chatId, userId)) ?? 'member'
  }

  /** The `ChatMember` object `getChatMember` answers, with the fields Telegram sends for that status. */
  memberObject(chatId: ChatId, user: FakeUser): Record<string, unknown> {
    const status = this.status(chatId, user.id)
    const base = { user, status }
    switch (status) {
      case 'creator':
        return { ...base, is_anonymous: false }
      case 'administrator':
        return { ...base, ...ADMINISTRATOR_RIGHTS }
      case 'restricted':
        return { ...base, is_member: true, can_send_messages: false, until_date: 0 }
      case 'kicked':
        return { ...base, until_date: 0 }
      default:
        return base
    }
  }
}

const memberKey = (chatId: ChatId, userId: number): string => `${chatKey(chatId)}|${userId}`
