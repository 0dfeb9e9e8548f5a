/**
 * The questions of `keygram init`: consola's prompts, and @clack/prompts' masked input for secrets
 * (consola's prompts are built on clack but have no password type). Without a terminal there is nobody to
 * ask: every answer must then come from a flag, and a missing one is an error naming the flag.
 *
 * @module
 */
import { isCancel, password } from '@clack/prompts'
import { consola } from 'consola'
import { UsageError } from '../strict-args.ts'

/** Ctrl-C at a question: stop without writing anything. */
export class InitCancelled extends Error {
  override readonly name = 'InitCancelled'
  constructor() {
    super('set-up cancelled; nothing was written')
  }
}

/** One choice of a {@link Prompter.select}. */
export interface Choice {
  value: string
  label: string
}

/** Asks the user. */
export interface Prompter {
  /** `flag` is the option that answers the question instead (named when nobody can be asked). */
  text(message: string, options: { flag: string; initial?: string; placeholder?: string }): Promise<string>
  /** Masked input: the answer is never shown. */
  secret(message: string, flag: string): Promise<string>
  confirm(message: string, initial: boolean): Promise<boolean>
  select(message: string, choices: readonly Choice[], initial?: string): Promise<string>
}

/** The answer, or {@link InitCancelled} for the cancel symbol (Ctrl-C) both libraries resolve with. */
function answered<T extends string | boolean>(value: unknown): T {
  if (typeof value === 'symbol' || isCancel(value)) throw new InitCancelled()
  return value as T
}

/** Questions in the terminal. */
export const terminalPrompter: Prompter = {
  async text(message, options) {
    const value = await consola.prompt(message, {
      type: 'text',
      cancel: 'symbol',
      ...(options.initial === undefined ? {} : { initial: options.initial, default: options.initial }),
      ...(options.placeholder === undefined ? {} : { placeholder: options.placeholder }),
    })
    return answered<string>(value).trim()
  },
  async secret(message, _flag) {
    return answered<string>(await password({ message, mask: '•' })).trim()
  },
  async confirm(message, initial) {
    return answered<boolean>(await consola.prompt(message, { type: 'confirm', initial, cancel: 'symbol' }))
  },
  async select(message, choices, initial) {
    const value = await consola.prompt(message, {
      type: 'select',
      options: choices.map((choice) => ({ value: choice.value, label: choice.label })),
      ...(initial === undefined ? {} : { initial }),
      cancel: 'symbol',
    })
    return answered<string>(value)
  },
}

/** No questions: `--yes`, or no terminal. A required answer without its flag is a usage error. */
export function flagsOnly(): Prompter {
  const missing = (message: string, flag: string) =>
    Promise.reject(
      new UsageError(
        `keygram init needs ${flag} (${message.replace(/[:?]$/, '')}): there is no terminal to ask in`,
      ),
    )
  return {
    text: (message, options) => missing(message, options.flag),
    secret: (message, flag) => missing(message, flag),
    confirm: (_message, initial) => Promise.resolve(initial),
    select: (_message, choices, initial) => Promise.resolve(initial ?? choices[0]!.value),
  }
}
