/**
 * Names of shared budgets. A budget is per bot token or per API key, yet its name must not reveal either:
 * a bot's id is public (the part of the token before `:`), an API key is named by a hash.
 *
 * @module
 */

/**
 * The budget of a bot's overall send limit: `telegram:<botId>:global`, the bot id being the public part of
 * the token before `:`. A token without one (not a real bot token) shares `telegram:default:global`.
 */
export function telegramBudgetKey(botToken: string): string {
  const botId = /^(\d+):/.exec(botToken)?.[1]
  return `telegram:${botId ?? 'default'}:global`
}

/** The budget of a KeyCRM API key's request limit: `keycrm:<first 16 hex of SHA-256(key)>`. */
export async function keycrmBudgetKey(apiKey: string): Promise<string> {
  return `keycrm:${await shortHash(apiKey)}`
}

async function shortHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest).slice(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}
