/**
 * `keygram init` end to end against the fake Bot API and the fake KeyCRM API: flags (no terminal), a real
 * pseudo-terminal answering the prompts, and what it must not do (echo secrets, fight a poller). The
 * first test goes on from init to doctor, serve and a delivered notification: the first hour in one run.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { createFakeBotApi, createFakeKeycrmApi, type FakeBotApi, type FakeKeycrmApi } from '@keygram/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/index.ts'
import {
  KEYGRAM_BIN,
  type KeygramChild,
  killIfRunning,
  localServeEnv,
  startKeygram,
  terminate,
} from './helpers/child.ts'
import { waitForOwnPoll } from './helpers/fake-polls.ts'

const ORDERS = { id: -1001234567890, type: 'supergroup' as const, title: 'Orders' }

let fake: FakeBotApi
let keycrm: FakeKeycrmApi
let root: string
let dir: string
const children: KeygramChild[] = []

beforeAll(async () => {
  fake = await createFakeBotApi({ limits: { enabled: false }, conflictPacingMs: 200 })
  keycrm = await createFakeKeycrmApi({ rateLimit: false })
  root = mkdtempSync(join(tmpdir(), 'keygram-init-'))
})
afterAll(async () => {
  await fake.close()
  await keycrm.close()
  rmSync(root, { recursive: true, force: true })
})
beforeEach(async () => {
  dir = mkdtempSync(join(root, 'shop-'))
  fake.clear()
  // Updates left by an earlier test would be found as chats.
  await fetch(`${fake.url}/bot${fake.token}/deleteWebhook?drop_pending_updates=true`)
})
afterEach(() => {
  for (const child of children.splice(0)) killIfRunning(child)
})

const apis = () => ['--telegram-api-root', fake.url, '--keycrm-api-url', keycrm.url]

function init(args: string[], env: Record<string, string> = {}, cwd = dir): KeygramChild {
  const child = startKeygram(['init', ...args], { NO_COLOR: '1', ...env }, cwd)
  children.push(child)
  return child
}

async function finished(child: KeygramChild): Promise<{ code: number | null; output: string }> {
  const { code } = await child.exited
  return { code, output: child.stdout() + child.stderr() }
}

const envFile = () => readFileSync(join(dir, '.env'), 'utf8')
const envValue = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(envFile())?.[1]

describe('keygram init with flags (no terminal)', () => {
  it('checks the token, finds the group the bot is added to, lists KeyCRM statuses, writes .env (600) and a config that loads; then doctor, serve and a delivered notification', async () => {
    const child = init([
      '--token',
      fake.token,
      '--domain',
      'hooks.example.com',
      '--keycrm-key',
      keycrm.apiKey,
      '--keycrm-domain',
      'myshop',
      '--locale',
      'en',
      '--wait',
      '60',
      ...apis(),
    ])
    await child.waitFor(/Add @keygram_fake_bot to the Telegram group/)
    fake.addBotToChat({ chat: ORDERS, from: { id: 42, first_name: 'Owner' } })
    const { code, output } = await finished(child)
    expect(code, output).toBe(0)

    expect(output).toContain('✔ Bot token works: @keygram_fake_bot ("Keygram Fake Bot")')
    expect(output).toContain('✔ Chat: "Orders" (supergroup, id -1001234567890)')
    expect(output).toContain('✔ Sent a hello to "Orders"')
    expect(output).toMatch(
      /✔ KeyCRM API key works; notifications will name its 10 order statuses:\n {4}1 New · 21 Виявлення потреби · .*11 In transit/,
    )
    expect(output).toContain('✔ Webhook secret: generated (48 characters, in .env)')
    expect(fake.sent.at(-1)).toMatchObject({
      chat_id: ORDERS.id,
      text: expect.stringMatching(/^Keygram is connected/),
    })

    const secret = envValue('KEYGRAM_WEBHOOK_SECRET')!
    expect(secret).toMatch(/^[0-9a-f]{48}$/)
    expect(output).toContain(`    https://hooks.example.com/webhooks/keycrm/${secret}\n`)
    // The URL is the one place the secret is printed; the token and the API key never are.
    expect(output.split(secret)).toHaveLength(2)
    expect(output).not.toContain(fake.token)
    expect(output).not.toContain(fake.token.split(':')[1])
    expect(output).not.toContain(keycrm.apiKey)

    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600)
    expect(envValue('TELEGRAM_BOT_TOKEN')).toBe(fake.token)
    expect(envValue('KEYGRAM_CHAT_ID')).toBe(String(ORDERS.id))
    expect(envValue('KEYGRAM_LOCALE')).toBe('en')
    expect(envValue('KEYCRM_API_KEY')).toBe(keycrm.apiKey)
    expect(envValue('KEYCRM_DOMAIN')).toBe('myshop')
    expect(envValue('KEYGRAM_DOMAIN')).toBe('hooks.example.com')
    const config = await loadConfig({ cwd: dir, env: {} })
    expect(config.configFile).toBe(join(dir, 'keygram.config.ts'))
    expect(config.routes).toEqual([{ chatId: String(ORDERS.id) }])

    // The next steps it printed, in the same folder.
    const doctor = startKeygram(['doctor'], { NO_COLOR: '1' }, dir)
    children.push(doctor)
    const checked = await finished(doctor)
    expect(checked.code, checked.output).toBe(0)
    expect(checked.output).toMatch(/All checks passed\.$/m)

    const server = startKeygram(['serve'], localServeEnv({ LOG_LEVEL: 'info' }), dir)
    children.push(server)
    const url = (await server.waitFor(/webhook server listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    const sent = fake.sent.length
    const sample = startKeygram(['send-test', '--url', url], { NO_COLOR: '1' }, dir)
    children.push(sample)
    const samples = await finished(sample)
    expect(samples.code, samples.output).toBe(0)
    expect(samples.output).toMatch(/✔ .*: accepted and queued; the server sends it to Telegram now/)
    const deadline = Date.now() + 20_000
    const orderCard = () => fake.sent.slice(sent).find((message) => /Status: /.test(message.plain_text))
    while (orderCard() === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    // In the chat init found, with the status named (the API key init checked), not "#1".
    expect(orderCard()).toMatchObject({
      chat_id: ORDERS.id,
      plain_text: expect.stringContaining('Status: New'),
    })
    expect((await terminate(server)).code).toBe(0)
  }, 120_000)

  it('run again, keeps the secret (the URL in KeyCRM stays valid), the chat and the other lines of .env', async () => {
    const first = init(['--token', fake.token, '--chat-id', String(ORDERS.id), '--no-hello', ...apis()])
    expect((await finished(first)).code).toBe(0)
    const secret = envValue('KEYGRAM_WEBHOOK_SECRET')
    const env = `${envFile()}LOG_LEVEL=debug\n`
    rmSync(join(dir, '.env'))
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, '.env'), env, { mode: 0o644 })
    const again = init(['--locale', 'ru', '--no-hello', ...apis()])
    const { code, output } = await finished(again)
    expect(code, output).toBe(0)
    expect(output).toContain('✔ Webhook secret: kept from .env')
    expect(output).toContain('✔ Updated .env')
    expect(output).toContain('✔ Kept the keygram.config.ts already there')
    expect(envValue('KEYGRAM_WEBHOOK_SECRET')).toBe(secret)
    expect(envValue('KEYGRAM_CHAT_ID')).toBe(String(ORDERS.id))
    expect(envValue('KEYGRAM_LOCALE')).toBe('ru')
    expect(envValue('LOG_LEVEL')).toBe('debug')
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600)
  }, 60_000)

  it('refuses a wrong token and names the flag it needs without a terminal', async () => {
    const wrong = init(['--token', '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ...apis()])
    const refused = await finished(wrong)
    expect(refused.code).toBe(1)
    expect(refused.output).toContain(
      'keygram: Telegram refused the bot token (401 Unauthorized); copy it again from @BotFather',
    )
    expect(refused.output).not.toContain('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    const missing = await finished(init(apis()))
    expect(missing.code).toBe(1)
    expect(missing.output).toContain(
      'keygram init needs --token (Bot token from @BotFather): there is no terminal to ask in',
    )
  }, 60_000)

  it('leaves a running Keygram alone: with the lease in its store it reads no update', async () => {
    mkdirSync(join(dir, 'data'))
    const env = {
      TELEGRAM_BOT_TOKEN: fake.token,
      KEYGRAM_WEBHOOK_SECRET: 'init-test-secret-0123456789abcdef',
      KEYGRAM_CHAT_ID: String(ORDERS.id),
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'data', 'keygram.db')}`,
    }
    const started = Date.now()
    const server = startKeygram(['serve', '--role', 'bot'], localServeEnv(env), dir)
    children.push(server)
    await server.waitFor(/bot server listening on/)
    await waitForOwnPoll(fake, started)
    const conflicts = fake.responses409
    const callsBefore = fake.calls.length

    const run = await finished(
      init(['--token', fake.token, '--no-hello', ...apis()], { KEYGRAM_STORE: env.KEYGRAM_STORE }),
    )
    expect(run.code).toBe(1)
    expect(run.output).toMatch(
      /Keygram already polls this bot \(.+ holds its polling lease\), so init leaves its updates alone\./,
    )
    expect(run.output).toContain('keygram init needs --chat-id')
    expect(fake.responses409).toBe(conflicts)
    // The server's own polls carry its 30 s timeout; init's would not.
    const initPolls = fake.calls
      .slice(callsBefore)
      .filter((call) => call.method === 'getUpdates' && Number(call.params.timeout) !== 30)
    expect(initPolls).toEqual([])
    expect((await terminate(server)).code).toBe(0)
  }, 60_000)

  it('stops reading at the first 409 from another poller it cannot see, costing it one request', async () => {
    const other = fetch(`${fake.url}/bot${fake.token}/getUpdates?timeout=30`).then((response) =>
      response.json(),
    )
    const deadline = Date.now() + 5000
    while (!fake.hasPendingPoll && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    const child = init(['--token', fake.token, '--no-hello', '--wait', '20', ...apis()])
    // The other poller's pending poll ends when init waits; it comes back at once, as pollers do.
    expect(await other).toMatchObject({ ok: false, error_code: 409 })
    void fetch(`${fake.url}/bot${fake.token}/getUpdates?timeout=2`)
    const { code, output } = await finished(child)
    expect(code).toBe(1)
    expect(output).toMatch(
      /✖ another process polls this bot \(Conflict: terminated by other getUpdates request.*\), so init cannot read its updates without fighting it\./,
    )
    expect(output).toContain('keygram init needs --chat-id')
  }, 60_000)
})

/** Runs `keygram init` in a pseudo-terminal (util-linux `script`), so its questions are really asked. */
function inTerminal(args: string[], cwd: string) {
  const command = [process.execPath, KEYGRAM_BIN, 'init', ...args].map((part) => `'${part}'`).join(' ')
  // A new pseudo-terminal has no size: the prompts would wrap after every character.
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; ${command}`, '/dev/null'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', COLUMNS: '120', LINES: '40' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const screen = () => stripVTControlCharacters(output)
  return {
    screen,
    exited,
    async answer(prompt: RegExp, keys: string) {
      const deadline = Date.now() + 30_000
      const seen = screen().length
      while (!prompt.test(screen().slice(Math.max(0, seen - 400)))) {
        if (Date.now() > deadline) throw new Error(`no prompt ${prompt}:\n${screen()}`)
        if (child.exitCode !== null) throw new Error(`exited before ${prompt}:\n${screen()}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // The prompt library reads keys once its prompt is drawn.
      await new Promise((resolve) => setTimeout(resolve, 300))
      child.stdin.write(keys)
    },
    kill: () => child.kill('SIGKILL'),
  }
}

describe('keygram init in a terminal', () => {
  it('asks each question, masks the token as it is typed, and writes the answers', async () => {
    const terminal = inTerminal(['--no-hello', ...apis()], dir)
    try {
      await terminal.answer(/Bot token from @BotFather/, `${fake.token}\r`)
      await terminal.answer(/Add @keygram_fake_bot to the Telegram group/, '')
      fake.addBotToChat({ chat: ORDERS })
      await terminal.answer(/Language of the notifications/, '\r')
      await terminal.answer(/Public host name KeyCRM will post to/, 'hooks.example.com\r')
      await terminal.answer(/KeyCRM API key \(empty: skip/, `${keycrm.apiKey}\r`)
      await terminal.answer(/KeyCRM account for "Open in KeyCRM" buttons/, 'myshop\r')
      expect(await terminal.exited, terminal.screen()).toBe(0)
    } finally {
      terminal.kill()
    }
    const screen = terminal.screen()
    expect(screen).toContain('✔ Chat: "Orders" (supergroup, id -1001234567890)')
    expect(screen).toMatch(/✔ KeyCRM API key works; notifications will name its 10 order statuses:\s+1 Новий/)
    expect(screen).toMatch(/https:\/\/hooks\.example\.com\/webhooks\/keycrm\/[0-9a-f]{48}/)
    expect(screen).toContain('•'.repeat(10))
    expect(screen).not.toContain(fake.token.split(':')[1]!.slice(0, 12))
    expect(screen).not.toContain(keycrm.apiKey)
    expect(envValue('TELEGRAM_BOT_TOKEN')).toBe(fake.token)
    expect(envValue('KEYGRAM_LOCALE')).toBe('uk')
    expect(envValue('KEYCRM_DOMAIN')).toBe('myshop')
  }, 90_000)
})
