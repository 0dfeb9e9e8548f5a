/**
 * Builds the deployable bundle with the package's `bundle` script and runs it from a copy outside the
 * repository, the way the Docker image runs it: no workspace, no node_modules but the ones shipped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createFakeBotApi } from '@keygram/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { healthcheckSource } from './parse-dockerfile.ts'
import { readRepoFile, serverPackageDir } from './paths.ts'

const run = promisify(execFile)
const bundleDir = join(serverPackageDir, 'bundle')
const copyDir = mkdtempSync(join(tmpdir(), 'keygram-bundle-'))
const entry = join(copyDir, 'keygram.mjs')
const secret = 'deploy-test-secret-0123456789abcdef'
const children: ChildProcess[] = []

/** The health check script of the image, run against the bundled server. */
const healthcheckPath = join(copyDir, 'healthcheck.mjs')

function folderBytes(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0)
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A minimal environment: nothing leaks in from the developer's shell (no token, no store URL). */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: copyDir, LOG_FORMAT: 'json', ...extra }
}

interface Started {
  child: ChildProcess
  output: () => string
}

function start(args: string[], env: Record<string, string>, cwd = copyDir): Started {
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: cleanEnv(env), stdio: 'pipe' })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  return { child, output: () => output }
}

async function waitForHealth(port: number, { child, output }: Started): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with ${child.exitCode} before /healthz; output:\n${output()}`)
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no /healthz on ${port} within 15 s; output:\n${output()}`)
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

beforeAll(async () => {
  await run('pnpm', ['run', 'bundle'], { cwd: serverPackageDir, timeout: 150_000 })
  cpSync(bundleDir, copyDir, { recursive: true })
  writeFileSync(healthcheckPath, readRepoFile(healthcheckSource(readRepoFile('Dockerfile'))))
}, 180_000)

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

afterAll(() => {
  rmSync(copyDir, { recursive: true, force: true })
})

describe('pnpm run bundle', () => {
  it('writes one JavaScript file plus the run-time files of the SQLite binding', () => {
    expect(readdirSync(bundleDir).sort()).toEqual(['keygram.mjs', 'node_modules'])
    expect(readdirSync(join(bundleDir, 'node_modules')).sort()).toEqual([
      'better-sqlite3',
      'bindings',
      'file-uri-to-path',
    ])
    const sqlite = join(bundleDir, 'node_modules', 'better-sqlite3')
    expect(readdirSync(sqlite).sort()).toEqual(['LICENSE', 'build', 'lib', 'package.json'])
    expect(existsSync(join(sqlite, 'build', 'Release', 'better_sqlite3.node'))).toBe(true)
    // The C sources and build objects (20+ MB) stay behind.
    expect(folderBytes(join(bundleDir, 'node_modules'))).toBeLessThan(10 * 1024 * 1024)
  })

  it('imports nothing at run time but Node built-ins', () => {
    const code = readFileSync(join(bundleDir, 'keygram.mjs'), 'utf8')
    const specifiers = new Set(
      [
        ...code.matchAll(/^import\s[^'"]*?from\s*["']([^"']+)["']/gm),
        ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ].map((match) => match[1] ?? ''),
    )
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
    const foreign = [...specifiers].filter((specifier) => !builtins.has(specifier))
    // The SQLite store requires better-sqlite3 at run time, and only where node:sqlite is missing (Node 20):
    // it is no import of the bundle, but it still resolves from the shipped node_modules (test below).
    expect(foreign).toEqual([])
  })
})

describe('the bundle, run from a folder with no workspace around it', () => {
  it('prints the CLI help', async () => {
    const { stdout } = await run(process.execPath, [entry, '--help'], {
      cwd: copyDir,
      env: cleanEnv({}),
      timeout: 20_000,
    })
    for (const command of ['serve', 'send-test', 'doctor', 'dead-letter']) expect(stdout).toContain(command)
  })

  // The shipped better-sqlite3 binding is the SQLite of Node 20 (no node:sqlite), built by `pnpm install` for
  // the Node that ran it; on a Node with node:sqlite (the Node 24 pass, the image's Node 22) the bundle never
  // loads it, and the next test serves through node:sqlite instead.
  it.runIf(process.getBuiltinModule?.('node:sqlite') === undefined)(
    'opens SQLite through the shipped native binding (Node 20)',
    async () => {
      const script =
        "const Database = require('better-sqlite3'); const db = new Database(process.argv[1]);" +
        "db.exec('create table t (x)'); db.prepare('insert into t values (?)').run(42);" +
        "console.log(db.prepare('select x from t').get().x)"
      const { stdout } = await run(process.execPath, ['-e', script, join(copyDir, 'probe.db')], {
        cwd: copyDir,
        env: cleanEnv({}),
        timeout: 20_000,
      })
      expect(stdout.trim()).toBe('42')
    },
  )

  it('serves a webhook into the SQLite store, passes the image health check, and stops on SIGTERM', async () => {
    const webhookPort = await freePort()
    const botPort = await freePort()
    const server = start(['serve', '--role', 'webhook'], {
      WEBHOOK_PORT: String(webhookPort),
      BOT_PORT: String(botPort),
      KEYGRAM_STORE: `sqlite:${join(copyDir, 'data', 'keygram.db')}`,
      KEYGRAM_WEBHOOK_SECRET: secret,
    })
    await waitForHealth(webhookPort, server)

    const health = await run(process.execPath, [healthcheckPath], {
      env: cleanEnv({ WEBHOOK_PORT: String(webhookPort), BOT_PORT: String(botPort) }),
      timeout: 10_000,
    })
    expect(health.stdout).toBe(`${webhookPort} up, ${botPort} closed\n`)

    // Abbreviated from a production KeyCRM webhook (packages/core/test/fixtures).
    const payload = JSON.stringify({
      event: 'order.change_order_status',
      context: {
        id: 23196,
        source_uuid: '№18766',
        status_group_id: 1,
        status_id: 1,
        status_changed_at: '2026-01-29T18:53:35.000000Z',
        grand_total: 1198,
        payment_status: 'not_paid',
      },
    })
    const accepted = await fetch(`http://127.0.0.1:${webhookPort}/webhooks/keycrm/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    })
    expect(accepted.status).toBe(200)
    expect(existsSync(join(copyDir, 'data', 'keygram.db'))).toBe(true)
    // The secret never reaches the log, not even from the URL.
    expect(server.output()).not.toContain(secret)

    const stoppedAt = Date.now()
    server.child.kill('SIGTERM')
    expect(await exitOf(server.child)).toEqual({ code: 0, signal: null })
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
  })

  it.each(['grammy', 'telegraf'])('polls Telegram with %s and answers a command', async (framework) => {
    const fake = await createFakeBotApi()
    try {
      const botPort = await freePort()
      const bot = start(['serve', '--role', 'bot'], {
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        KEYGRAM_BOT_FRAMEWORK: framework,
        KEYGRAM_WEBHOOK_SECRET: secret,
        KEYGRAM_STORE: `sqlite:${join(copyDir, `bot-${framework}`, 'keygram.db')}`,
        BOT_PORT: String(botPort),
        WEBHOOK_PORT: String(await freePort()),
      })
      await waitForHealth(botPort, bot)
      // A cold start drops what is queued before its set-up: write once the first long poll is open.
      await expect.poll(() => fake.hasPendingPoll, { timeout: 15_000 }).toBe(true)
      fake.pushMessage({ chat: 4242, text: '/chatid' })
      await expect
        .poll(() => fake.sent.filter((message) => message.chat_id === 4242).length, { timeout: 15_000 })
        .toBe(1)
      expect(fake.responses409).toBe(0)
      bot.child.kill('SIGTERM')
      expect(await exitOf(bot.child)).toEqual({ code: 0, signal: null })
      expect(bot.output()).not.toContain(fake.token)
    } finally {
      await fake.close()
    }
  })

  it('loads keygram.config.ts written as the README shows, importing the server and core, with no node_modules', async () => {
    const port = await freePort()
    const configDir = mkdtempSync(join(copyDir, 'config-'))
    writeFileSync(
      join(configDir, 'keygram.config.ts'),
      [
        "import { defineKeygramConfig } from '@keygram/server-node'",
        "import { escapeHtml } from '@keygram/core'",
        `const webhookPort: number = ${port}`,
        "export default defineKeygramConfig({ webhookPort, locale: 'en', format: { templates: { order_status: () => escapeHtml('<b>') } } })",
        '',
      ].join('\n'),
    )
    const server = start(
      ['serve', '--role', 'webhook'],
      { KEYGRAM_STORE: 'memory:', BOT_PORT: String(await freePort()) },
      configDir,
    )
    await waitForHealth(port, server)
    server.child.kill('SIGTERM')
    expect((await exitOf(server.child)).code).toBe(0)
  })
})
