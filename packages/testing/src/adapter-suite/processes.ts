/**
 * The parent side of the multi-process tests: spawn polling children, read their events, signal them.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, isAbsolute } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ChildConfig, ChildEvent } from './child-poller.ts'

/**
 * The child's entry. In the published package it is `dist/child-poller.mjs`, built next to the bundle this
 * module ends up in; in the workspace this module runs from source and the entry is the `.ts` beside it.
 */
export function childPollerEntry(): string {
  const built = fileURLToPath(new URL('./child-poller.mjs', import.meta.url))
  if (existsSync(built)) return built
  const source = fileURLToPath(new URL('./child-poller.ts', import.meta.url))
  if (existsSync(source)) return source
  throw new Error(`the polling child is missing: neither ${built} nor ${source} exists`)
}

/**
 * The Node flags the child needs: tsx only when the entry is TypeScript (running from the workspace
 * sources), so a consumer of the published package needs no tsx; then the caller's own flags (a loader
 * for a TypeScript `processModule`, say).
 */
export function childExecArgv(entry: string, extra: readonly string[] = []): string[] {
  if (extname(entry) !== '.ts') return [...extra]
  const tsx = pathToFileURL(createRequire(entry).resolve('tsx')).href
  return ['--import', tsx, ...extra]
}

/** The `file:` URL of a harness module given as an absolute path, a `file:` URL string or a URL. */
export function harnessModuleUrl(module: string | URL): string {
  if (typeof module !== 'string') return module.href
  if (module.startsWith('file:')) return module
  if (!isAbsolute(module)) throw new TypeError(`processModule must be absolute or a file: URL, got ${module}`)
  return pathToFileURL(module).href
}

/** A running polling child. */
export interface PollingChild {
  readonly holder: string
  readonly events: ChildEvent[]
  /** Output on stderr so far (for failure messages). */
  stderr(): string
  /** Resolves with the first event matching, rejects after `timeoutMs` or when the child exits first. */
  waitFor(predicate: (event: ChildEvent) => boolean, timeoutMs: number): Promise<ChildEvent>
  /** Tells the child to start polling. */
  go(): void
  signal(signal: NodeJS.Signals): void
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Update ids the child recorded as handled, in order. */
  handled(): number[]
}

/**
 * Spawns the child poller (see {@link childPollerEntry}) with `config` and `execArgv` (Node flags added
 * after those {@link childExecArgv} picks), its cwd the harness module's folder.
 */
export function spawnPollingChild(config: ChildConfig, execArgv: readonly string[] = []): PollingChild {
  const entry = childPollerEntry()
  const child: ChildProcess = spawn(
    process.execPath,
    [...childExecArgv(entry, execArgv), entry, JSON.stringify(config)],
    {
      cwd: dirname(fileURLToPath(config.harness.url)),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  const events: ChildEvent[] = []
  const listeners = new Set<() => void>()
  let stderr = ''
  let buffered = ''
  let alive = true
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk
    let newline = buffered.indexOf('\n')
    while (newline >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf('\n')
      if (line.startsWith('{')) events.push(JSON.parse(line) as ChildEvent)
    }
    for (const listener of [...listeners]) listener()
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      alive = false
      for (const listener of [...listeners]) listener()
      resolve({ code, signal })
    })
  })
  // A child that cannot start must fail the test, not hang it.
  child.on('error', () => {})

  return {
    holder: config.holder,
    events,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate)
          if (found !== undefined) {
            done()
            resolve(found)
          } else if (!alive) {
            done()
            reject(new Error(`child ${config.holder} exited before the awaited event; stderr:\n${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(`child ${config.holder}: no awaited event within ${timeoutMs} ms; stderr:\n${stderr}`),
          )
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    go() {
      child.stdin?.write('go\n')
    },
    signal(signal) {
      if (alive) child.kill(signal)
    },
    exited,
    handled() {
      try {
        return readFileSync(config.handledLog, 'utf8').split('\n').filter(Boolean).map(Number)
      } catch {
        return []
      }
    },
  }
}

/** Whether the event is a state change to `state`. */
export const isState =
  (state: string) =>
  (event: ChildEvent): boolean =>
    event.event === 'state' && event.status.state === state
