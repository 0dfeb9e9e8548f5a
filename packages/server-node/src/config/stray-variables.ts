/**
 * Variables that look meant for Keygram but that it does not read: a typo (`KEYGRAM_CHATID`) or a name
 * from another bot's docs (`TELEGRAM_CHAT_ID`) silently changes nothing, so `keygram doctor` names them.
 *
 * @module
 */
import { ENV_VARIABLES } from './env.ts'
import { closestName } from './near-miss.ts'

/** A variable Keygram does not read, with the one it probably stands for. */
export interface StrayVariable {
  name: string
  /** Where it is set. */
  from: 'environment' | '.env'
  /** The variable it was probably meant to be, or `null`. */
  suggestion: string | null
}

// Names other bots and tutorials use for the same settings: too far from ours for a typo check.
const SYNONYMS: Record<string, string> = {
  TELEGRAM_CHAT_ID: 'KEYGRAM_CHAT_ID',
  CHAT_ID: 'KEYGRAM_CHAT_ID',
  TELEGRAM_TOKEN: 'TELEGRAM_BOT_TOKEN',
  BOT_TOKEN: 'TELEGRAM_BOT_TOKEN',
  WEBHOOK_SECRET: 'KEYGRAM_WEBHOOK_SECRET',
  KEYCRM_TOKEN: 'KEYCRM_API_KEY',
  KEYCRM_KEY: 'KEYCRM_API_KEY',
}

// Variables with these prefixes are Keygram's, KeyCRM's or Telegram's; an unknown one is worth a word
// even without a suggestion.
const OURS = /^(?:KEYGRAM|KEYCRM|TELEGRAM)_/

/** The variables of `env` Keygram does not read but probably was meant to, sorted by name. */
export function strayVariables(
  env: Readonly<Record<string, string | undefined>>,
  dotenvNames: ReadonlySet<string>,
): StrayVariable[] {
  const known = ENV_VARIABLES.map((variable) => variable.name)
  const knownSet = new Set(known)
  return Object.keys(env)
    .filter((name) => env[name] !== undefined && !knownSet.has(name))
    .sort()
    .flatMap((name): StrayVariable[] => {
      const suggestion = SYNONYMS[name] ?? closestName(name, known)
      if (suggestion === null && !OURS.test(name)) return []
      return [{ name, from: dotenvNames.has(name) ? '.env' : 'environment', suggestion }]
    })
}
