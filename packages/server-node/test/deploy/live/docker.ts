/**
 * Running the Docker and Compose command-line tools from the live deployment test.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * The Docker CLI that ships with the engine (Debian's `docker.io` puts it in /usr/bin). A newer CLI found
 * first on PATH without the buildx plugin refuses BuildKit builds, which the Dockerfile needs (`RUN --mount`).
 * `KEYGRAM_DOCKER` picks another.
 */
export const DOCKER: string =
  process.env.KEYGRAM_DOCKER ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker')

/** Compose: Debian's docker-compose 1.29 unless `KEYGRAM_COMPOSE` names another (e.g. `docker compose`). */
export const COMPOSE: string[] = (process.env.KEYGRAM_COMPOSE ?? 'docker-compose').split(' ')

/** What a finished command printed. */
export interface CommandOutput {
  stdout: string
  stderr: string
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string
  /** Added to the test's own environment. */
  env?: Record<string, string>
  /** Written to the command's standard input, or a stream piped into it. */
  input?: string | NodeJS.ReadableStream
  /** Killed (and rejected) after this long. Default 10 minutes. */
  timeoutMs?: number
}

/** Runs `command args`, resolving its output on exit 0 and rejecting with the end of its output otherwise. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL',
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    if (typeof options.input === 'string') child.stdin.end(options.input)
    else if (options.input) options.input.pipe(child.stdin)
    else child.stdin.end()
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr })
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n')
      reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${tail}`))
    })
  })
}

/** Runs the Docker CLI. */
export function docker(args: readonly string[], options?: RunOptions): Promise<CommandOutput> {
  return run(DOCKER, args, options)
}

/** Whether `docker image inspect` finds the image. */
export async function imageExists(name: string): Promise<boolean> {
  return docker(['image', 'inspect', '--format', '{{.Id}}', name]).then(
    () => true,
    () => false,
  )
}

/** Builds with BuildKit (the Dockerfile's `RUN --mount` needs it); the builder's cache keeps rebuilds cheap. */
export function dockerBuild(args: readonly string[], options?: RunOptions): Promise<CommandOutput> {
  return docker(['build', '--progress=plain', ...args], {
    ...options,
    env: { DOCKER_BUILDKIT: '1', ...options?.env },
  })
}
