/**
 * Private Redis and PostgreSQL servers for the outage tests: each on a free port and in a folder of its own,
 * stopped and started by the test. The shared services (6379, 5432) are never touched.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { sleep } from './store-outage.ts'

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A redis-server of the test's own, with an append-only file synced on every write: a restart keeps the data. */
export function privateRedis(port: number, dir: string) {
  let process: ChildProcess | null = null
  const start = async (): Promise<void> => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    process = child
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const deadline = Date.now() + 10_000
    while (!output.includes('Ready to accept connections')) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`)
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`)
      await sleep(20)
    }
  }
  const stop = async (): Promise<void> => {
    const child = process
    if (child === null || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    process = null
  }
  /** Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server: connections stay open and nothing answers. */
  const freeze = (frozen: boolean): void => {
    process?.kill(frozen ? 'SIGSTOP' : 'SIGCONT')
  }
  return { start, stop, freeze }
}

const PG_BIN = '/usr/lib/postgresql/15/bin'

/**
 * A PostgreSQL cluster of the test's own: `initdb` into `dir/pg` and `pg_ctl` on `port`, run as the
 * `postgres` user (PostgreSQL refuses to run as root), trust authentication, sockets in its own folder.
 * `stop` is a fast shutdown (committed data stays), `start` brings the same cluster back.
 */
export function privatePostgres(port: number, dir: string) {
  const data = join(dir, 'pg')
  const asPostgres = (command: string, args: string[]): void => {
    const result = spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    if (result.status !== 0)
      throw new Error(
        `${command} failed (${result.status}): ${result.stdout}${result.stderr}${result.error ?? ''}`,
      )
  }
  const init = (): void => {
    mkdirSync(data, { recursive: true })
    chownSync(dir, uidOf('postgres'), gidOf('postgres'))
    chownSync(data, uidOf('postgres'), gidOf('postgres'))
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  }
  const options = `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off`
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start(): Promise<void> {
      if (!existsSync(join(data, 'PG_VERSION'))) init()
      asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(data, 'server.log'), '-w', 'start'])
    },
    async stop(): Promise<void> {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
      } catch {}
    },
  }
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim())
}

function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim())
}
