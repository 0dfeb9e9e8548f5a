/**
 * A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, Telegram's 409/429/400/403 behaviour,
 * recording of every call and fault injection.
 *
 * @module
 */
export { createFakeBotApi } from './server.ts'
export { type HtmlParseOptions, type HtmlParseResult, parseTelegramHtml } from './telegram-html.ts'
export type {
  BlockReason,
  CallbackAnswerRecord,
  CallRecord,
  EditedMessageRecord,
  FakeBotApi,
  FakeBotApiLimits,
  FakeBotApiOptions,
  FakeCallbackQuery,
  FakeCallbackQueryUpdate,
  FakeChat,
  FakeChatMemberStatus,
  FakeFaultKind,
  FakeFaultSpec,
  FakeMessage,
  FakeMessageEntity,
  FakeUpdate,
  FakeUser,
  MarkupEditRecord,
  SentMessageRecord,
  ShownMessage,
} from './types.ts'
