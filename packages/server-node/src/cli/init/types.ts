/**
 * The shapes of `keygram init`: its answers, options and result.
 *
 * @module
 */
import type { Prompter } from './prompts.ts'

/** Answers given as flags; the others are asked (or, without a terminal, taken from `.env` or skipped). */
export interface InitAnswers {
  token?: string
  chatId?: string
  domain?: string
  secret?: string
  keycrmKey?: string
  keycrmDomain?: string
  locale?: string
}

/** Options of {@link runInit}. */
export interface InitOptions {
  /** Where `.env` and `keygram.config.ts` go. */
  dir: string
  answers: InitAnswers
  telegramApiRoot: string
  keycrmApiUrl: string
  /** How long to wait for the bot to be added to a chat, in seconds. */
  waitSeconds: number
  /** Send a short message to the chosen chat, proving the bot can write there. */
  hello: boolean
  prompter: Prompter
  /** Whether a person answers: a wrong answer is then asked again instead of ending the set-up. */
  interactive: boolean
  print: (line: string) => void
  fetch?: typeof fetch
}

/** What `init` wrote and where KeyCRM must post. */
export interface InitResult {
  env: Record<string, string>
  webhookUrl: string
}
