/**
 * Running the `keygram` command line: finds the command, refuses options it does not take, prints help
 * (with the environment variables) and the version, and turns every failure into one line on stderr.
 *
 * @module
 */
import { stripVTControlCharacters } from 'node:util'
import { type CommandDef, runCommand } from 'citty'
import { ConfigError } from '../config/index.ts'
import { closestName } from '../config/near-miss.ts'
import { checkArgs, UsageError } from './strict-args.ts'
import { envOf, renderHelp } from './usage.ts'

interface Resolved {
  command: CommandDef
  /** For the usage line: a command named after the whole path above it (`keygram dead-letter`). */
  parent: CommandDef | undefined
  /** The arguments after the command's name. */
  rest: string[]
  /** `keygram dead-letter list`. */
  path: string
}

/** Walks the sub-commands named in `rawArgs`. */
async function resolveCommand(root: CommandDef, rawArgs: readonly string[]): Promise<Resolved> {
  let command = root
  let rest = [...rawArgs]
  const names: string[] = []
  const rootName = ((await root.meta) as { name?: string } | undefined)?.name ?? 'keygram'
  for (;;) {
    const subCommands = (await command.subCommands) as Record<string, CommandDef> | undefined
    const at = rest.findIndex((arg) => !arg.startsWith('-'))
    if (subCommands === undefined || at === -1) break
    const name = rest[at]!
    const next = subCommands[name]
    if (next === undefined) {
      const near = closestName(name, Object.keys(subCommands))
      const where = [rootName, ...names].join(' ')
      throw new UsageError(
        `${where} has no command "${name}"${near === null ? '' : ` (did you mean ${near}?)`}; its commands: ${Object.keys(subCommands).join(', ')}`,
      )
    }
    names.push(name)
    command = next
    rest = rest.slice(at + 1)
  }
  const parent =
    names.length === 0 ? undefined : { meta: { name: [rootName, ...names.slice(0, -1)].join(' ') } }
  return { command, parent, rest, path: [rootName, ...names].join(' ') }
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h'

/**
 * Runs `root` with `rawArgs` (default: the process's). Exits 1 after a usage error, an invalid
 * configuration or any other failure, each printed as one line without a stack trace.
 */
export async function runCli(
  root: CommandDef,
  rawArgs: readonly string[] = process.argv.slice(2),
): Promise<void> {
  let path = 'keygram'
  try {
    const meta = (await root.meta) as { version?: string } | undefined
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      process.stdout.write(`${meta?.version ?? 'unknown'}\n`)
      return
    }
    const resolved = await resolveCommand(root, rawArgs)
    path = resolved.path
    if (rawArgs.some(isHelp)) {
      process.stdout.write(`${await renderHelp(resolved.command, resolved.parent)}\n`)
      return
    }
    if (resolved.command.run === undefined) {
      process.stdout.write(`${await renderHelp(resolved.command, resolved.parent)}\n`)
      throw new UsageError(`${path} needs a command`)
    }
    const args = ((await resolved.command.args) ?? {}) as Parameters<typeof checkArgs>[1]
    checkArgs(resolved.rest, args, path, envOf(resolved.command))
    await runCommand(resolved.command, { rawArgs: resolved.rest })
  } catch (error) {
    process.stderr.write(`${failureText(error, path)}\n`)
    process.exit(1)
  }
}

function failureText(error: unknown, path: string): string {
  if (error instanceof ConfigError) return error.message
  const message = error instanceof Error ? error.message : String(error)
  // citty's own refusals (a bad enum value, a missing argument) are usage errors too.
  if (error instanceof UsageError) return `${message}\nSee: ${path} --help`
  if (error instanceof Error && error.name === 'CLIError')
    return `${path}: ${stripVTControlCharacters(message)}\nSee: ${path} --help`
  return `keygram: ${message}`
}
