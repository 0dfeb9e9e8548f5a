/**
 * "Your bot, as before": an ordinary Telegraf bot with handlers of its own. Keygram is added to it in
 * `keygram.ts` without changing anything here.
 *
 * @module
 */
import { Telegraf } from 'telegraf'

/** Options of {@link createBot}. */
export interface CreateBotOptions {
  /** Bot API root (a local Bot API server, or a fake in tests). Default: Telegram's. */
  apiRoot?: string
}

/** Creates the bot with its own commands: `/hello` greets the sender by first name. */
export function createBot(token: string, options: CreateBotOptions = {}): Telegraf {
  const bot = new Telegraf(
    token,
    options.apiRoot === undefined ? {} : { telegram: { apiRoot: options.apiRoot } },
  )
  bot.command('hello', (ctx) => ctx.reply(`Hello, ${ctx.from.first_name}!`))
  // A failing handler is logged and skipped; Telegraf's default handler rethrows.
  bot.catch((error, ctx) => console.error(`handler failed for update ${ctx.update.update_id}:`, error))
  return bot
}
