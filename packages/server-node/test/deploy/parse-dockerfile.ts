/**
 * A small Dockerfile reader for structural checks: instructions with their line continuations joined and
 * their heredoc bodies attached, grouped into build stages. Enough for the Keygram Dockerfile; not a
 * full implementation of the BuildKit grammar.
 */

/** One instruction, e.g. `RUN apt-get update` or `COPY <<'EOF' /app/x.mjs` with its heredoc body. */
export interface DockerInstruction {
  /** Upper-cased keyword: `FROM`, `RUN`, `COPY`... */
  keyword: string
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string
  /** 1-based line of the keyword. */
  line: number
  /** Bodies of the heredocs the instruction opens, in order. */
  heredocs: string[]
}

/** A build stage: its `FROM` and the instructions after it. */
export interface DockerStage {
  /** The base image, e.g. `node:${NODE_VERSION}-slim`. */
  image: string
  /** The `AS` name, or `null`. */
  name: string | null
  instructions: DockerInstruction[]
}

const HEREDOC = /<<-?(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/g

/** Splits a Dockerfile into instructions; comments and parser directives are dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const lines = text.split('\n')
  const instructions: DockerInstruction[] = []
  let index = 0
  while (index < lines.length) {
    const first = lines[index] ?? ''
    const start = index
    index += 1
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue
    let logical = first
    while (logical.endsWith('\\') && index < lines.length) {
      const next = lines[index] ?? ''
      index += 1
      // Comment lines inside a continued instruction are skipped, as Docker does.
      if (next.trimStart().startsWith('#')) continue
      logical = `${logical.slice(0, -1).trimEnd()} ${next.trim()}`
    }
    const heredocs: string[] = []
    for (const match of logical.matchAll(HEREDOC)) {
      const delimiter = match[2] ?? ''
      const body: string[] = []
      while (index < lines.length && (lines[index] ?? '') !== delimiter) {
        body.push(lines[index] ?? '')
        index += 1
      }
      if (index >= lines.length) throw new Error(`unterminated heredoc ${delimiter} at line ${start + 1}`)
      index += 1
      heredocs.push(`${body.join('\n')}\n`)
    }
    const keyword = /^\s*(\S+)/.exec(logical)?.[1] ?? ''
    instructions.push({
      keyword: keyword.toUpperCase(),
      args: logical.trim().slice(keyword.length).trim(),
      line: start + 1,
      heredocs,
    })
  }
  return instructions
}

/** Groups instructions into stages; instructions before the first `FROM` (global `ARG`s) are returned apart. */
export function dockerStages(instructions: DockerInstruction[]): {
  globals: DockerInstruction[]
  stages: DockerStage[]
} {
  const globals: DockerInstruction[] = []
  const stages: DockerStage[] = []
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'))
      const asIndex = words.findIndex((word) => word.toUpperCase() === 'AS')
      stages.push({
        image: words[0] ?? '',
        name: asIndex >= 0 ? (words[asIndex + 1] ?? null) : null,
        instructions: [],
      })
    } else {
      const current = stages.at(-1)
      if (current) current.instructions.push(instruction)
      else globals.push(instruction)
    }
  }
  return { globals, stages }
}

/** Splits `--flag=value --other=x rest` into the flags and the rest. */
export function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {}
  let rest = args
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)
    if (!match) break
    flags[match[1] ?? ''] = match[2] ?? ''
    rest = rest.slice(match[0].length)
  }
  return { flags, rest }
}

/** `ENV A=1 B=2` (with continuations already joined) as a record. */
export function parseEnvArgs(args: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
    const value = match[2] ?? ''
    env[match[1] ?? ''] = value.startsWith('"') ? value.slice(1, -1) : value
  }
  return env
}

/** The build-context source of the `COPY <source> <destination>` among `instructions`, or `null`. */
export function copiedFromContextTo(instructions: DockerInstruction[], destination: string): string | null {
  for (const instruction of instructions) {
    if (instruction.keyword !== 'COPY' || instruction.heredocs.length > 0) continue
    const { flags, rest } = splitFlags(instruction.args)
    const [source, target] = rest.split(/\s+/)
    if (flags.from === undefined && target === destination) return source ?? null
  }
  return null
}

/** Where the image's health check script comes from (its repository path), read from the Dockerfile's text. */
export function healthcheckSource(dockerfile: string): string {
  const runtime = dockerStages(parseDockerfile(dockerfile)).stages.at(-1)?.instructions ?? []
  const source = copiedFromContextTo(runtime, '/app/healthcheck.mjs')
  if (source === null) throw new Error('the Dockerfile copies no /app/healthcheck.mjs into the runtime stage')
  return source
}
