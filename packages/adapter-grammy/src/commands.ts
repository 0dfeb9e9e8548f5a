/**
 * Keygram's bot commands for grammY: `/start`, `/chatid`, `/status`, `/subscribe`, `/unsubscribe`, `/test`.
 *
 * The logic lives in `@keygram/core` (`createCommandHandlers`); this binding turns a grammY context into a
 * command context and sends the replies in the same chat and forum topic.
 *
 * @module
 */
import {
  type CommandContext,
  type CommandHandlersOptions,
  commandList,
  createCommandHandlers,
  type FormatLocale,
  type KeygramCommand,
  sendMessageOptions,
} from '@keygram/core'
import { type Api, Composer, type Context } from 'grammy'

/** Options of {@link keygramCommands}: those of `createCommandHandlers` from `@keygram/core`. */
export type KeygramCommandsOptions = CommandHandlersOptions

/**
 * A grammY composer answering Keygram's commands. Commands addressed to another bot (`/status@other_bot`)
 * are ignored. A reply that cannot be sent (403, 429...) goes to `onError` and is not rethrown: grammY's
 * default error handler would otherwise stop a polling bot over one failed reply.
 *
 * @throws TypeError (at creation) for an unsupported locale or a non-numeric admin id.
 * @example
 * ```ts
 * bot.use(keygramCommands({ store, admins: [123456789], locale: 'en', notifier }))
 * await registerKeygramCommands(bot.api, 'en')
 * ```
 */
export function keygramCommands<C extends Context = Context>(options: KeygramCommandsOptions): Composer<C> {
  const handlers = createCommandHandlers(options)
  const composer = new Composer<C>()
  for (const command of handlers.commands) {
    composer.command(command, async (ctx) => {
      const context = commandContextOf(ctx, typeof ctx.match === 'string' ? ctx.match : '')
      const replies = await handlers.run(command, context)
      try {
        for (const reply of replies) {
          await ctx.reply(reply.text, sendMessageOptions(reply, context.threadId))
        }
      } catch (error) {
        report(options, error, command)
      }
    })
  }
  return composer
}

/**
 * Sets the bot's command menu (`setMyCommands`) to Keygram's commands with descriptions in `locale`.
 * `other` passes `scope` or `language_code` through, e.g. to register each language for its users.
 */
export function registerKeygramCommands(
  api: Pick<Api, 'setMyCommands'>,
  locale: FormatLocale = 'uk',
  other?: Parameters<Api['setMyCommands']>[1],
): Promise<true> {
  return api.setMyCommands(commandList(locale), other)
}

/** The framework-free command context of a grammY update, with `args` the text after the command. */
export function commandContextOf(ctx: Context, args: string): CommandContext {
  const chat = ctx.chat
  const message = ctx.msg
  if (chat === undefined) throw new TypeError('keygramCommands: the update has no chat')
  const context: CommandContext = { chatId: chat.id, args: args.trim(), botId: ctx.me.id }
  // Only forum topic messages carry a topic id worth replying into; in other chats message_thread_id
  // names a reply thread, which sendMessage does not take.
  if (message?.is_topic_message && message.message_thread_id !== undefined)
    context.threadId = message.message_thread_id
  if (ctx.from !== undefined) context.userId = ctx.from.id
  if ('title' in chat && typeof chat.title === 'string') context.chatTitle = chat.title
  return context
}

function report(options: KeygramCommandsOptions, error: unknown, command: KeygramCommand): void {
  try {
    options.onError?.(error, command)
  } catch {
    // A failing logger must not become an unhandled error in the bot.
  }
}
