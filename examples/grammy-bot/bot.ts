/**
 * "Your bot, as before": an ordinary grammY bot with handlers of its own. Keygram is added to it in
 * `keygram.ts` without changing anything here.
 *
 * @module
 */
import { Bot } from 'grammy'

/** Options of {@link createBot}. */
export interface CreateBotOptions {
  /** Bot API root (a local Bot API server, or a fake in tests). Default: Telegram's. */
  apiRoot?: string
}

/** Creates the bot with its own commands: `/hello` greets the sender by first name. */
export function createBot(token: string, options: CreateBotOptions = {}): Bot {
  const bot = new Bot(token, options.apiRoot === undefined ? {} : { client: { apiRoot: options.apiRoot } })
  bot.command('hello', (ctx) => ctx.reply(`Hello, ${ctx.from?.first_name ?? 'there'}!`))
  // A failing handler is logged and skipped; without this, grammY's default handler stops the bot.
  bot.catch((error) => console.error(`handler failed for update ${error.ctx.update.update_id}:`, error.error))
  return bot
}
