/**
 * Two-way actions end to end with real processes: `keygram serve --role webhook` (cards with buttons) and
 * `--role bot` (presses, under the polling lease, through grammY or Telegraf), the fake Bot API, and the
 * fake KeyCRM API firing the webhook of each change back at the webhook server, as KeyCRM does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeBotApi, createFakeKeycrmApi, type FakeBotApi, type FakeKeycrmApi } from '@keygram/testing'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { auditText } from '../src/cli/audit.ts'
import { openStore } from '../src/open-store.ts'
import { type KeygramChild, killIfRunning, localServeEnv, startKeygram, terminate } from './helpers/child.ts'

const SECRET = 'actions-e2e-secret-0123456789abcdef'
const GROUP = -1001234567890
const ADMIN = 4242
const ORDER = 67526
const LISTENING = (what: string) => new RegExp(`${what} server listening on (http://127\\.0\\.0\\.1:\\d+)`)

type Button = { text: string; callback_data?: string; url?: string }

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A deployment: webhook and bot processes on one SQLite file, the fake Bot API and the fake KeyCRM API. */
interface Deployment {
  fake: FakeBotApi
  keycrm: FakeKeycrmApi
  dir: string
  env: Record<string, string>
  webhookUrl: string
  children: KeygramChild[]
  close(): Promise<void>
}

async function deploy(options: {
  framework?: 'grammy' | 'telegraf'
  actions: unknown[]
}): Promise<Deployment> {
  const fake = await createFakeBotApi({
    limits: { enabled: false },
    conflictPacingMs: 200,
    repeatedOffsetPollMs: 200,
  })
  const keycrm = await createFakeKeycrmApi()
  const dir = await mkdtemp(join(tmpdir(), 'keygram-actions-'))
  const children: KeygramChild[] = []
  const close = async () => {
    for (const child of children) killIfRunning(child)
    await Promise.all([fake.close(), keycrm.close()])
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await writeFile(join(dir, 'keygram.config.json'), JSON.stringify({ actions: options.actions }))
    const env = localServeEnv({
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      KEYGRAM_WEBHOOK_SECRET: SECRET,
      KEYGRAM_CHAT_ID: String(GROUP),
      KEYGRAM_ADMINS: String(ADMIN),
      KEYGRAM_LOCALE: 'en',
      KEYGRAM_BOT_FRAMEWORK: options.framework ?? 'grammy',
      KEYCRM_API_KEY: keycrm.apiKey,
      KEYCRM_API_URL: keycrm.url,
      KEYGRAM_STORE: `sqlite:${join(dir, 'keygram.db')}`,
      KEYGRAM_CONFIG: join(dir, 'keygram.config.json'),
    })
    const webhook = startKeygram(['serve', '--role', 'webhook'], env, dir)
    const bot = startKeygram(['serve', '--role', 'bot'], env, dir)
    children.push(webhook, bot)
    onTestFailed(() => {
      for (const child of children)
        console.error(`--- keygram output ---\n${child.stdout()}${child.stderr()}`)
    })
    const webhookUrl = (await webhook.waitFor(LISTENING('webhook')))[1]!
    await bot.waitFor(LISTENING('bot'))
    keycrm.webhookUrl = `${webhookUrl}/webhooks/keycrm/${SECRET}`
    await until(() => fake.hasPendingPoll, 'the bot polling')
    return { fake, keycrm, dir, env, webhookUrl, children, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Posts KeyCRM's webhook of `ORDER` as the fake KeyCRM holds it now. */
async function postOrder({ keycrm, webhookUrl }: Deployment): Promise<void> {
  const order = keycrm.data.orders.find((item) => item.id === ORDER)!
  const context = Object.fromEntries(
    Object.entries(order).filter(([, value]) => value === null || typeof value !== 'object'),
  )
  const response = await fetch(`${webhookUrl}/webhooks/keycrm/${SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'order.change_order_status', context }),
  })
  expect(response.status).toBe(200)
}

/** The chat's card, its buttons, a press on it, and the PUTs KeyCRM got. */
function chat({ fake, keycrm }: Deployment) {
  const card = () => fake.sent.find((message) => message.chat_id === GROUP)
  const buttons = (): Button[] =>
    (
      (
        fake.message(GROUP, card()?.message_id ?? 0)?.reply_markup as
          | { inline_keyboard: Button[][] }
          | undefined
      )?.inline_keyboard ?? []
    ).flat()
  const token = (label: string) => {
    const found = buttons().find((button) => button.text === label)?.callback_data
    if (found === undefined) throw new Error(`no "${label}" button: ${JSON.stringify(buttons())}`)
    return found
  }
  const press = (data: string, from = ADMIN) =>
    fake.pushCallbackQuery({
      message: { chat: GROUP, message_id: card()!.message_id },
      data,
      from: { id: from, first_name: 'Olha' },
    })
  const puts = () => keycrm.writes.filter((write) => write.method === 'PUT')
  return { card, buttons, token, press, puts }
}

describe.each(['grammy', 'telegraf'] as const)('two-way actions with %s, real processes', (framework) => {
  let deployment: Deployment | undefined
  afterEach(async () => {
    await deployment?.close()
    deployment = undefined
  })
  const start = async () => {
    deployment = await deploy({
      framework,
      actions: [{ from: { statusIds: [11] }, to: ['completed', 'canceled'] }],
    })
    return deployment
  }

  it("confirm, then exactly one PUT, the card edited, and KeyCRM's webhook adds no message; refusals change nothing", {
    timeout: 90_000,
  }, async () => {
    const deployed = await start()
    const { fake, keycrm, dir } = deployed
    const { card, buttons, token, press, puts } = chat(deployed)
    await postOrder(deployed)
    await until(() => buttons().some((button) => button.text === 'Canceled'), 'the card with its buttons')

    // Someone who may not press, and a forged token: alerts, no PUT.
    press(token('Completed'), 777)
    press(`${token('Completed').slice(0, -2)}AA`)
    await until(() => fake.callbackAnswers.length === 2, 'two refusals answered')
    expect(fake.callbackAnswers.map((answer) => answer.show_alert)).toEqual([true, true])
    expect(puts()).toHaveLength(0)

    // Cancel asks first; Confirm applies it once, even pressed twice.
    press(token('Canceled'))
    await until(() => buttons().some((button) => button.text === 'Confirm «Canceled»?'), 'the confirmation')
    const confirm = token('Confirm «Canceled»?')
    press(confirm)
    press(confirm)
    await until(() => fake.callbackAnswers.length === 5, 'the confirmations answered')
    await until(
      () => (fake.message(GROUP, card()!.message_id)?.text ?? '').includes('Olha'),
      'the card showing who changed it',
    )
    expect(puts()).toEqual([
      expect.objectContaining({ path: `/order/${ORDER}`, body: { status_id: 19 }, status: 202 }),
    ])
    await keycrm.flushWebhooks()
    expect(keycrm.webhooks.map((webhook) => webhook.status)).toEqual([200])
    // The webhook of that very change lands on the same card: still one message in the chat.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(fake.sent.filter((message) => message.chat_id === GROUP)).toHaveLength(1)
    expect(fake.message(GROUP, card()!.message_id)?.text).toMatch(/Canceled/)

    const store = openStore({ kind: 'sqlite', path: join(dir, 'keygram.db') } as Parameters<
      typeof openStore
    >[0])
    try {
      const audit = await auditText(store, { fromMs: 0, now: Date.now(), id: ORDER })
      expect(audit).toMatch(/\(777\) .*order #67526 11 -> 12 +forbidden/)
      expect(audit).toMatch(/\(4242\) .*order #67526 11 -> 19 +asked/)
      expect(audit).toMatch(/\(4242\) .*order #67526 11 -> 19 +applied/)
      expect(audit).toMatch(/\(4242\) .*order #67526 11 -> 19 +duplicate/)
    } finally {
      await store.close()
    }
  })

  it('a conflict: the order moved in KeyCRM meanwhile; refused, told, no PUT', {
    timeout: 90_000,
  }, async () => {
    const deployed = await start()
    const { token, press, puts, buttons } = chat(deployed)
    await postOrder(deployed)
    await until(() => buttons().some((button) => button.text === 'Completed'), 'the card with its buttons')
    const stale = token('Completed')
    await deployed.keycrm.changeOrderStatus(ORDER, 8)
    press(stale)
    await until(() => deployed.fake.callbackAnswers.length === 1, 'the press answered')
    expect(deployed.fake.callbackAnswers[0]).toMatchObject({
      show_alert: true,
      text: expect.stringMatching(/Not changed: in KeyCRM it is/),
    })
    expect(puts()).toHaveLength(0)
  })
})

describe('two-way actions: the bot process killed between the PUT and the edit', () => {
  it('after the restart the card is right and there is no second PUT', { timeout: 120_000 }, async () => {
    const deployed = await deploy({ actions: [{ to: ['completed'] }] })
    try {
      const { fake, keycrm, env, dir, children } = deployed
      const { card, token, press, puts } = chat(deployed)
      await postOrder(deployed)
      const shown = () => fake.message(GROUP, card()?.message_id ?? 0)
      await until(
        () => JSON.stringify(shown()?.reply_markup ?? {}).includes('Completed'),
        'the card with its button',
      )

      // KeyCRM applies the change but answers late; the bot dies while it waits.
      keycrm.fault({ kind: 'slow', method: 'PUT', delayMs: 5000, applied: true, times: 1 })
      press(token('Completed'))
      await until(() => puts().length > 0, 'the PUT reaching KeyCRM')
      const bot = children[1]!
      bot.process.kill('SIGKILL')
      await bot.exited
      const restarted = startKeygram(['serve', '--role', 'bot'], env, dir)
      children.push(restarted)
      await restarted.waitFor(LISTENING('bot'))

      // KeyCRM's webhook of the change reaches the webhook server: the card shows the new status.
      await until(() => /Completed/.test(shown()?.text ?? ''), 'the card showing the change', 30_000)
      expect(puts()).toHaveLength(1)
      expect(fake.sent.filter((message) => message.chat_id === GROUP)).toHaveLength(1)
      const running = children.filter(
        (child) => child.process.exitCode === null && child.process.signalCode === null,
      )
      const stops = await Promise.all(running.map(terminate))
      expect(stops.map((stop) => stop.code)).toEqual(running.map(() => 0))
    } finally {
      await deployed.close()
    }
  })
})
