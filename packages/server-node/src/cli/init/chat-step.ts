/**
 * The chat step of `keygram init`: a chat id given or kept from `.env`, or the chat found when the bot is
 * added to it, never by fighting a poller; then a hello there.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { pollingLeaseName } from '@keygram/core'
import { chatId } from '../../config/fields.ts'
import { DEFAULT_STORE_URL, parseStoreUrl, type StoreLocation } from '../../config/index.ts'
import { type BotApiCall, describeReply } from '../bot-api.ts'
import { openStoreWithin, withDeadline } from '../open-store.ts'
import { type Given, problemOf, valid } from './ask.ts'
import { readEnvFile } from './files.ts'
import { type FoundChat, findChats } from './find-chat.ts'
import type { InitOptions } from './types.ts'

export async function chooseChat(
  options: InitOptions,
  call: BotApiCall,
  token: string,
  username: string,
  saved: string | undefined,
): Promise<FoundChat> {
  const typed = (given: Given) =>
    valid(
      options,
      given,
      () =>
        options.prompter.text('Chat id (send /chatid in the chat; the bot answers it)', {
          flag: '--chat-id',
        }),
      async (id) => problemOf(chatId, id, 'the chat id') ?? (await chatProblem(call, id)),
    ).then((id) => chatInfo(call, id))
  if (options.answers.chatId !== undefined) return typed({ flag: options.answers.chatId })
  if (saved !== undefined && (await options.prompter.confirm(`Keep the chat in .env (${saved})?`, true)))
    return typed({ saved })
  const poller = await keygramPoller(options.dir, token)
  if (poller !== null) {
    options.print(`Keygram already polls this bot (${poller}), so init leaves its updates alone.`)
    return typed({})
  }
  options.print(
    `→ Add @${username} to the Telegram group (or channel) that should get the notifications; if it is already there, send /start@${username} in it.`,
  )
  const search = await findChats(call, {
    username,
    waitSeconds: options.waitSeconds,
    onWaiting: () => options.print(`  Waiting up to ${options.waitSeconds} s for it (Ctrl-C to stop)...`),
  })
  if (!search.ok) {
    options.print(`✖ ${search.problem}.`)
    return typed({})
  }
  if (search.chats.length === 1 || !options.interactive) return search.chats[0]!
  const picked = await options.prompter.select(
    'Which chat gets the notifications?',
    search.chats.map((found) => ({ value: found.id, label: `${found.title} (${found.type}, ${found.id})` })),
  )
  return search.chats.find((found) => found.id === picked)!
}

async function chatProblem(call: BotApiCall, id: string): Promise<string | null> {
  const reply = await call('getChat', { chat_id: id })
  return reply.ok
    ? null
    : `the bot cannot reach chat ${id} (${describeReply(reply)}): add it to that chat first`
}

async function chatInfo(call: BotApiCall, id: string): Promise<FoundChat> {
  const reply = await call('getChat', { chat_id: id })
  const chat = (reply.result ?? {}) as { id?: number; type?: string; title?: string; first_name?: string }
  return { id: String(chat.id ?? id), title: chat.title ?? chat.first_name ?? id, type: chat.type ?? 'chat' }
}

export async function sayHello(
  call: BotApiCall,
  chat: FoundChat,
  print: (line: string) => void,
): Promise<void> {
  const reply = await call('sendMessage', {
    chat_id: chat.id,
    text: 'Keygram is connected: KeyCRM notifications will arrive in this chat.',
  })
  print(
    reply.ok
      ? `✔ Sent a hello to "${chat.title}": it should be in Telegram now`
      : `⚠ The hello to "${chat.title}" failed (${describeReply(reply)}): the bot may not be allowed to write there`,
  )
}

/**
 * The holder of this bot's polling lease in the store `.env` names (or the default SQLite file, when it
 * exists), or `null`. A store that cannot be read counts as no poller: Telegram's 409 still stops the search.
 */
async function keygramPoller(dir: string, token: string): Promise<string | null> {
  const existing = await readEnvFile(dir)
  const parsed = parseStoreUrl(existing.KEYGRAM_STORE ?? process.env.KEYGRAM_STORE ?? DEFAULT_STORE_URL)
  if (!parsed.ok) return null
  let location: StoreLocation = parsed.store
  if (location.kind === 'sqlite') {
    const path = isAbsolute(location.path) ? location.path : resolve(dir, location.path)
    if (!existsSync(path)) return null
    location = { kind: 'sqlite', path }
  }
  if (location.kind === 'memory') return null
  const opening = await openStoreWithin(location, [token])
  if (!opening.ok) return null
  try {
    const lease = await opening.store.guard.inspect(pollingLeaseName(token))
    return lease === null ? null : `${lease.holder} holds its polling lease`
  } catch {
    return null
  } finally {
    await withDeadline(opening.store.close(), 1000).catch(() => {})
  }
}
