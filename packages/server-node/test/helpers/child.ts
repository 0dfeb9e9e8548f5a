/**
 * Running the `keygram` CLI as a real child process and reading its output.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The bin a user runs. */
export const KEYGRAM_BIN = fileURLToPath(new URL('../../bin/keygram.mjs', import.meta.url))

/** A running `keygram` process with its output so far. */
export interface KeygramChild {
  process: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves the first match of `pattern` in stdout+stderr, or rejects after `timeoutMs` (with the output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves the exit code (and signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The environment the e2e-style tests give `keygram serve`: loopback only, a random free port for each
 * server (read back from the "listening on" line), JSON logs at debug level. `overrides` (token, store,
 * secret, ...) are added on top and win.
 */
export function localServeEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KEYGRAM_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    BOT_PORT: '0',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug',
    ...overrides,
  }
}

/**
 * Starts `node bin/keygram.mjs ...args` with exactly `env` (plus PATH); `command` replaces `node
 * bin/keygram.mjs` (e.g. Bun or Deno running the built CLI).
 */
export function startKeygram(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  command: string[] = [process.execPath, KEYGRAM_BIN],
): KeygramChild {
  const [bin, ...prefix] = command as [string, ...string[]]
  const child = spawn(bin, [...prefix, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const waiters = new Set<() => void>()
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const wake of waiters) wake()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
    for (const wake of waiters) wake()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake()
      resolve({ code, signal })
    })
  })
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (out + err).match(pattern)
          if (match) {
            cleanup()
            resolve(match)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup()
            reject(new Error(`process exited before ${pattern}:\n${out}\n${err}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
  }
}

/** Sends SIGTERM and measures how long the process takes to exit. */
export async function terminate(child: KeygramChild): Promise<{ code: number | null; ms: number }> {
  const started = performance.now()
  child.process.kill('SIGTERM')
  const { code } = await child.exited
  return { code, ms: performance.now() - started }
}

/** Kills a process that is still running (test cleanup). */
export function killIfRunning(child: KeygramChild | undefined): void {
  if (child && child.process.exitCode === null && child.process.signalCode === null)
    child.process.kill('SIGKILL')
}
