import type { CommandReply } from '../../src/commands/index.ts'
import { validateTelegramHtml } from '../../src/format/validate.ts'
import { visibleText } from '../../src/format/visible.ts'

/** The single reply's HTML, checked to be markup Telegram accepts. */
export function onlyReply(replies: CommandReply[]): string {
  if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`)
  const reply = replies[0]!
  const check = validateTelegramHtml(reply.text)
  if (!check.ok) throw new Error(`invalid Telegram HTML (${check.error}): ${reply.text}`)
  return reply.text
}

/** What the user sees of the single reply. */
export function seen(replies: CommandReply[]): string {
  return visibleText(onlyReply(replies))
}
