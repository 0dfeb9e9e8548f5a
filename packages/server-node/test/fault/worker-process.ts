/**
 * Starting, watching and killing delivery worker child processes (`fixtures/delivery-worker.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { FaultWorkerConfig, WorkerLine } from './fixtures/delivery-worker.ts'

const workerScript = fileURLToPath(new URL('./fixtures/delivery-worker.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
// tsx resolves `@keygram/*` imports inside the store sources through the root tsconfig's `paths`.
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

/** Starts the worker on the runtime running the test: Node through tsx, Deno and Bun natively. */
function runtimeArgs(): string[] {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.deno !== undefined) return ['run', '-A']
  if (versions.bun !== undefined) return []
  return ['--import', tsxLoader]
}

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A running worker child process. */
export interface WorkerProcess {
  readonly workerId: string
  readonly child: ChildProcess
  /** Resolves when the process has exited and its stdout is fully read. */
  readonly exited: Promise<WorkerExit>
  /** Everything it wrote to stderr (for failure messages). */
  stderr(): string
}

/**
 * Starts a worker process. Each stdout line is handed to `onLine` as it arrives; `token` reaches the child
 * through its environment only.
 */
export function startWorker(
  config: FaultWorkerConfig,
  token: string,
  onLine: (line: WorkerLine) => void,
): WorkerProcess {
  const child = spawn(process.execPath, [...runtimeArgs(), workerScript, JSON.stringify(config)], {
    cwd: repoRoot,
    env: { ...process.env, KEYGRAM_FAULT_BOT_TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  let pending = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const stdoutClosed = new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      let newline = pending.indexOf('\n')
      while (newline !== -1) {
        const text = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        if (text.trim() !== '') onLine(JSON.parse(text) as WorkerLine)
        newline = pending.indexOf('\n')
      }
    })
    child.stdout?.on('close', () => resolve())
  })
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      void stdoutClosed.then(() => resolve({ code, signal }))
    })
  })
  // Consumers may never await `exited` (e.g. when the test already failed); never an unhandled rejection.
  exited.catch(() => {})
  return { workerId: config.workerId, child, exited, stderr: () => stderr }
}

/** SIGKILLs a worker that is still running and waits for it to be gone. */
export async function killWorker(worker: WorkerProcess): Promise<WorkerExit> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL')
  return worker.exited
}

/** Asks a worker to stop gracefully (SIGTERM), SIGKILLs it if it does not exit within `timeoutMs`. */
export async function stopWorker(worker: WorkerProcess, timeoutMs = 10_000): Promise<WorkerExit> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited
  worker.child.kill('SIGTERM')
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs)
  try {
    return await worker.exited
  } finally {
    clearTimeout(timer)
  }
}
