/**
 * The `keygram` command as a user runs it (a child process, its exit code and output): flags, help, the
 * configuration's problems, unreachable stores, and doctor's view of the chat and of other pollers.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'
import { waitForOwnPoll } from './helpers/fake-polls.ts'

const SECRET = 'cli-e2e-secret-0123456789abcdef'
const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

let dir: string
const children: KeygramChild[] = []
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keygram-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => {
  for (const child of children.splice(0)) killIfRunning(child)
})

/** Runs `keygram ...args` in `cwd` with exactly `env`; resolves its exit code, output and duration. */
async function keygram(args: string[], env: Record<string, string> = {}, cwd = dir) {
  const started = performance.now()
  const child = startKeygram(args, { NO_COLOR: '1', ...env }, cwd)
  children.push(child)
  const { code } = await child.exited
  return { code, stdout: child.stdout(), stderr: child.stderr(), ms: performance.now() - started }
}

/** A TCP server that takes connections and never answers: a store behind a black hole. */
async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('flags and help', () => {
  it('prints the package version', async () => {
    const run = await keygram(['--version'])
    expect(run).toMatchObject({ code: 0, stdout: `${packageVersion}\n` })
  })

  it('refuses an unknown option instead of ignoring it, and names the variable that sets a port', async () => {
    const run = await keygram(['serve', '--port', '19420'], localServeEnv())
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      'keygram serve has no option --port: it is the environment variable WEBHOOK_PORT or BOT_PORT',
    )
    expect(run.stdout).not.toMatch(/listening/)
    const typo = await keygram(['doctor', '--conifg', 'x.ts'])
    expect(typo.stderr).toContain('keygram doctor has no option --conifg (did you mean --config?)')
    expect((await keygram(['docter'])).stderr).toContain(
      'keygram has no command "docter" (did you mean doctor?)',
    )
  })

  it('lists the environment variables each command reads in its --help', async () => {
    const doctor = await keygram(['doctor', '--help'])
    expect(doctor.code).toBe(0)
    expect(doctor.stdout).toMatch(/ENVIRONMENT \(also read from \.env in the current folder\)/)
    for (const name of ['TELEGRAM_BOT_TOKEN', 'KEYGRAM_CHAT_ID', 'KEYGRAM_STORE', 'KEYCRM_API_KEY'])
      expect(doctor.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    const serve = await keygram(['serve', '--help'])
    expect(serve.stdout).toMatch(/^ {2}WEBHOOK_PORT +Webhook server port \(default: 9000\)/m)
    const list = await keygram(['dead-letter', 'list', '--help'])
    expect(list.stdout).toMatch(/^ {2}KEYGRAM_STORE /m)
    expect(list.stdout).not.toMatch(/TELEGRAM_BOT_TOKEN/)
  })

  it('refuses a named config file that does not exist', async () => {
    const flag = await keygram(['doctor', '--config', 'nope.ts'])
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain(`the config file nope.ts (in ${dir}) does not exist`)
    const variable = await keygram(['dead-letter', 'list'], { KEYGRAM_CONFIG: '/missing.json' })
    expect(variable.code).toBe(1)
    expect(variable.stderr).toContain('KEYGRAM_CONFIG names a config file that does not exist: /missing.json')
  })
})

describe('a store that cannot be reached: one line within 5 s, no stack trace', () => {
  let hole: Awaited<ReturnType<typeof blackHole>>
  beforeAll(async () => {
    hole = await blackHole()
  })
  afterAll(() => hole.close())

  // Each store names itself without its password, says what went wrong, and what to check.
  const cases = () => [
    {
      store: `redis://:s3cret-password@127.0.0.1:${hole.port}/0`,
      line: new RegExp(
        `^(?:keygram: |✖ store: )the Redis store redis://:\\*\\*\\*@127\\.0\\.0\\.1:${hole.port}/0 (?:is unreachable \\(.*no answer within|did not answer within).*; check that Redis runs there`,
        'm',
      ),
    },
    {
      store: 'redis://127.0.0.1:1',
      line: /^(?:keygram: |✖ store: )the Redis store redis:\/\/127\.0\.0\.1:1 is unreachable \(.*ECONNREFUSED.*\); check that Redis runs there/m,
    },
    {
      store: `postgres://keygram:s3cret-password@127.0.0.1:${hole.port}/keygram`,
      line: new RegExp(
        `^(?:keygram: |✖ store: )the PostgreSQL store postgres://keygram:\\*\\*\\*@127\\.0\\.0\\.1:${hole.port}/keygram (?:is unreachable|did not answer).*; check that PostgreSQL runs there`,
        'm',
      ),
    },
    {
      store: `sqlite:${dir}`,
      line: new RegExp(
        `^(?:keygram: |✖ store: )cannot open the SQLite database ${dir}: it is a folder, not a file; check KEYGRAM_STORE`,
        'm',
      ),
    },
  ]

  // One at a time: the limit is on each command's own time, not on four Node start-ups sharing the CPU.
  for (const command of [['doctor'], ['dead-letter', 'list'], ['dead-letter', 'replay'], ['audit']]) {
    it(`keygram ${command.join(' ')}`, async () => {
      const all = cases()
      for (const { store, line } of command[1] === 'replay' || command[0] === 'audit'
        ? all.slice(0, 1)
        : all) {
        const run = await keygram(command, { KEYGRAM_STORE: store })
        const output = run.stdout + run.stderr
        expect(run.code, output).toBe(1)
        expect(output).toMatch(line)
        expect(output).not.toMatch(/^\s+at /m)
        expect(output).not.toContain('s3cret-password')
        expect(run.ms, output).toBeLessThan(5000)
      }
    }, 60_000)
  }
})

describe('doctor against the fake Bot API', () => {
  let fake: FakeBotApi
  beforeAll(async () => {
    fake = await createFakeBotApi({ limits: { enabled: false } })
  })
  afterAll(() => fake.close())

  it('fails when no chat is configured, suggests the near-miss name, and says where each value came from', async () => {
    const project = mkdtempSync(join(dir, 'chatid-'))
    writeFileSync(join(project, '.env'), `TELEGRAM_BOT_TOKEN=${fake.token}\nKEYGRAM_CHATID=4242\n`)
    const run = await keygram(
      ['doctor'],
      {
        KEYGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: fake.url,
        KEYGRAM_STORE: 'memory:',
      },
      project,
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /✔ config: no config file; from \.env: TELEGRAM_BOT_TOKEN; from the environment: KEYGRAM_WEBHOOK_SECRET, KEYGRAM_STORE, TELEGRAM_API_ROOT/,
    )
    expect(run.stdout).toContain(
      '✖ chats: no chat receives notifications, so nothing would be delivered (KEYGRAM_CHATID is set in .env: did you mean KEYGRAM_CHAT_ID?)',
    )
    expect(run.stdout).toMatch(/1 problem to fix \(✖ above\); fix it and run keygram doctor again\.$/m)
    expect(run.stdout + run.stderr).not.toContain(fake.token)
  }, 30_000)

  it('finds a keygram serve polling the same bot through another store, which loses one request and polls on', async () => {
    const serveDir = mkdtempSync(join(dir, 'serve-'))
    mkdirSync(join(serveDir, 'data'))
    const env = {
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: '-1001234567890',
      TELEGRAM_API_ROOT: fake.url,
    }
    const started = Date.now()
    const server = startKeygram(
      ['serve', '--role', 'bot'],
      localServeEnv({ ...env, KEYGRAM_STORE: 'sqlite:./data/a.db' }),
      serveDir,
    )
    children.push(server)
    const botUrl = (await server.waitFor(/bot server listening on (http:\/\/[^\s"]+)/, 30_000))[1]!
    await waitForOwnPoll(fake, started)
    const conflictsBefore = fake.responses409

    const run = await keygram(['doctor'], { ...env, KEYGRAM_STORE: 'memory:' })
    expect(run.code, run.stdout + run.stderr).toBe(1)
    expect(run.stdout).toContain(
      '✖ polling: another process polls this bot outside Keygram: its getUpdates ended this check. The check cost it at most one 409, which it retried.',
    )
    // One 409 for the server's poll (the check's watch was newer), one for the watch (the retry was newer).
    expect(fake.responses409 - conflictsBefore).toBe(2)
    await server.waitFor(/409 Conflict/)
    const health = await fetch(`${botUrl}/healthz`)
    expect(health.status).toBe(200)
    fake.pushMessage({ chat: 5, text: '/start' })
    await server.waitFor(/conflict is over; polling again/, 20_000)
    expect((await terminate(server)).code).toBe(0)
  }, 90_000)
})
