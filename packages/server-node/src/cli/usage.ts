/**
 * `--help`: citty's usage text, plus the environment variables the command reads, since most of Keygram's
 * settings are variables rather than options.
 *
 * @module
 */
import { type CommandDef, renderUsage } from 'citty'
import { ENV_VARIABLES } from '../config/index.ts'

// Which variables each command reads, by command; set where the commands are defined.
const commandEnv = new WeakMap<object, readonly string[]>()

/** Records the variables `command` reads, for its `--help`. Returns the command. */
export function readsEnv<T extends object>(command: T, names: readonly string[]): T {
  for (const name of names) {
    if (!ENV_VARIABLES.some((variable) => variable.name === name)) throw new Error(`unknown variable ${name}`)
  }
  commandEnv.set(command, names)
  return command
}

/** The variables `command` reads (none when it was not recorded). */
export function envOf(command: object): readonly string[] {
  return commandEnv.get(command) ?? []
}

/** The usage text of `command`, with an ENVIRONMENT section when it reads variables. */
export async function renderHelp(command: CommandDef, parent?: CommandDef): Promise<string> {
  const usage = await renderUsage(command, parent)
  const names = commandEnv.get(command)
  if (names === undefined || names.length === 0) return usage
  const width = Math.max(...names.map((name) => name.length))
  const lines = names.map((name) => {
    const variable = ENV_VARIABLES.find((entry) => entry.name === name)!
    return `  ${name.padEnd(width)}  ${variable.description} (default: ${variable.default})`
  })
  return `${usage}\n\nENVIRONMENT (also read from .env in the current folder)\n\n${lines.join('\n')}`
}
