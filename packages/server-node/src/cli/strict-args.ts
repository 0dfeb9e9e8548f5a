/**
 * Unknown options and stray arguments are errors. citty parses leniently (an unknown `--port 19420` is
 * kept in `args` and ignored), which let `keygram serve --port 19420` run on 9000 without a word.
 *
 * @module
 */
import type { ArgsDef } from 'citty'
import { closestName } from '../config/near-miss.ts'

/** A command line a command cannot take; its message is one sentence with the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)

/** Every spelling of each option: its name in kebab and camel case, and its aliases. */
function spellings(args: ArgsDef): Map<string, ArgsDef[string]> {
  const names = new Map<string, ArgsDef[string]>()
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    const alias = 'alias' in def ? def.alias : undefined
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]
    for (const spelling of [name, camel(name), kebab(name), ...aliases]) names.set(spelling, def)
  }
  return names
}

/** The variables among `envNames` an unknown `--option` probably stands for (`--port`: `WEBHOOK_PORT`). */
function variablesFor(option: string, envNames: readonly string[]): string[] {
  const words = option.toUpperCase().split('-')
  return envNames.filter((name) => words.every((word) => name.split('_').includes(word)))
}

/**
 * Throws a {@link UsageError} for the first option `args` does not define (with the nearest one it
 * does, or the environment variable among `envNames` it stands for), and for more positional arguments
 * than it takes. `--help`/`-h` are always allowed.
 */
export function checkArgs(
  rawArgs: readonly string[],
  args: ArgsDef,
  command: string,
  envNames: readonly string[] = [],
): void {
  const known = spellings(args)
  const positionals = Object.values(args).filter((def) => def.type === 'positional').length
  let seen = 0
  for (let index = 0; index < rawArgs.length; index++) {
    const arg = rawArgs[index]!
    if (arg === '--') break
    if (arg === '--help' || arg === '-h') continue
    if (!arg.startsWith('-') || arg === '-') {
      if (++seen > positionals) throw new UsageError(`${command} takes no argument "${arg}"`)
      continue
    }
    const name = arg.replace(/^--?/, '').split('=', 1)[0]!
    const negated = name.startsWith('no-') ? known.get(name.slice(3)) : undefined
    const def = known.get(name) ?? (negated?.type === 'boolean' ? negated : undefined)
    if (def === undefined) {
      const near = closestName(
        name,
        [...known.keys()].filter((spelling) => spelling.length > 1),
      )
      const variables = variablesFor(name, envNames)
      const hint =
        near !== null
          ? ` (did you mean --${near}?)`
          : variables.length > 0
            ? `: it is the environment variable ${variables.join(' or ')} (e.g. ${variables[0]}=... ${command})`
            : ''
      const options = [...new Set([...known.keys()].filter((spelling) => spelling === kebab(spelling)))]
      const list = options.length === 0 ? 'it takes no options' : `its options: --${options.join(', --')}`
      throw new UsageError(`${command} has no option ${arg.split('=', 1)[0]}${hint}; ${list}`)
    }
    // A value given as the next argument belongs to the option.
    if ((def.type === 'string' || def.type === 'enum') && !arg.includes('=')) index++
  }
}
