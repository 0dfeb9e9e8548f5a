/**
 * Watching a server child process from outside: free ports, how long until an URL answers 200, and its
 * resident memory from `/proc/<pid>/status`.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { get } from 'node:http'
import { createServer } from 'node:net'

/** A port nobody listens on right now (the OS picks it; it is released before it is returned). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port assigned')
  return address.port
}

/** One GET; resolves the status, or 0 when the connection failed. */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    // No agent: a fresh connection each time, as a health checker makes.
    const request = get(url, { agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', () => resolve(0))
    request.setTimeout(2000, () => request.destroy())
  })
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves the time since `startedAt`
 * (a `performance.now()` value) in ms.
 *
 * @throws {Error} when `child` exits first or `timeoutMs` passes.
 */
export async function msUntilOk(
  url: string,
  startedAt: number,
  child: ChildProcess,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<number> {
  const intervalMs = options.intervalMs ?? 2
  const deadline = startedAt + (options.timeoutMs ?? 60_000)
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the process exited (${child.exitCode ?? child.signalCode}) before ${url} answered 200`)
    }
    if ((await statusOf(url)) === 200) return performance.now() - startedAt
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** The resident set size of `pid` in MiB (`VmRSS` of `/proc/<pid>/status`; Linux only). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1]) / 1024
}

/**
 * Waits until the RSS of `pid` stops moving (the last `window` samples, `everyMs` apart, span less than
 * `toleranceMb`) or `maxMs` passes; resolves the last sample in MiB.
 */
export async function settledRssMb(
  pid: number,
  options: { everyMs?: number; window?: number; toleranceMb?: number; maxMs?: number } = {},
): Promise<number> {
  const { everyMs = 250, window = 4, toleranceMb = 0.5, maxMs = 6000 } = options
  const samples: number[] = []
  const deadline = performance.now() + maxMs
  for (;;) {
    samples.push(await rssMb(pid))
    const recent = samples.slice(-window)
    if (recent.length === window && Math.max(...recent) - Math.min(...recent) < toleranceMb) break
    if (performance.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return samples.at(-1)!
}

/** Starts `node ...args` with exactly `env` (plus PATH), output discarded unless `keepOutput`. */
export function spawnNode(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  // Keep only the tail: enough to explain a failure, never a growing string.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return Object.assign(child, { output: () => output })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}
