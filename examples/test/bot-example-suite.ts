/**
 * One suite for the grammY and Telegraf examples: each is started as a user would run it (its `start()`),
 * against the fake Bot API over real HTTP, with a real SQLite file, and driven like KeyCRM and a chat would.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { GuardedPoller } from '@keygram/core'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { orderStatusBody, orderWebhookBody, postWebhook, waitFor } from './helpers.ts'

/** What the suite passes to an example's `start()`. */
export interface BotExampleOptions {
  token: string
  apiRoot: string
  webhookSecret: string
  chatId: string
  dataDir: string
  admins: readonly number[]
  port: number
  host: string
}

/** What the suite needs back from an example's `start()`. */
export interface RunningBotExample {
  url: string
  poller: GuardedPoller
  stop(): Promise<void>
}

const SECRET = 'example-secret-7f3a'
const GROUP = -1001234567890
const ADMIN = 4242

/** Registers the suite for one example: `name` is its folder, `start` its exported `start()`. */
export function describeBotExample(
  name: string,
  start: (options: BotExampleOptions) => Promise<RunningBotExample>,
): void {
  describe(name, () => {
    let fake: FakeBotApi
    let dataDir: string
    const running: RunningBotExample[] = []

    const launch = async (port = 0) => {
      const app = await start({
        token: fake.token,
        apiRoot: fake.url,
        webhookSecret: SECRET,
        chatId: String(GROUP),
        dataDir,
        admins: [ADMIN],
        port,
        host: '127.0.0.1',
      })
      running.push(app)
      return app
    }
    const webhookUrl = (app: RunningBotExample, secret = SECRET) => `${app.url}/webhooks/keycrm/${secret}`
    const notifications = () => fake.sent.filter((message) => message.chat_id === GROUP)
    // Polling for real: the poller holds the lease and a long poll it sent after `since` is waiting at the fake.
    const polling = (app: RunningBotExample, since = 0) =>
      app.poller.status().state === 'polling' &&
      fake.calls.some((call) => call.method === 'getUpdates' && call.status === null && call.at >= since)

    beforeEach(async () => {
      // Fast 409 pacing and shutdown-trap polls keep stop() quick; Telegram's behaviour is otherwise kept.
      fake = await createFakeBotApi({ limits: { enabled: false }, repeatedOffsetPollMs: 100 })
      dataDir = await mkdtemp(join(tmpdir(), `keygram-${name}-`))
    })

    afterEach(async () => {
      await Promise.all(running.splice(0).map((app) => app.stop()))
      await fake.close()
      await rm(dataDir, { recursive: true, force: true })
    })

    it('notifies the chat of a KeyCRM webhook once, and refuses a wrong secret and GET', async () => {
      const app = await launch()

      expect(await postWebhook(webhookUrl(app, 'wrong-secret'))).toMatchObject({ status: 404 })
      const get = await fetch(webhookUrl(app))
      expect(get.status).toBe(405)
      expect(await get.text()).toContain('POST')

      const first = await postWebhook(webhookUrl(app))
      expect(first).toMatchObject({ status: 200, json: { status: 'queued' } })
      await waitFor(() => notifications().length === 1, 'the notification in the group')
      expect(notifications()[0]?.parse_mode).toBe('HTML')
      expect(notifications()[0]?.plain_text).toContain('23196')

      // KeyCRM's retry of the same delivery is acknowledged but not sent again.
      const retry = await postWebhook(webhookUrl(app))
      expect(retry).toMatchObject({
        status: 200,
        json: { status: 'duplicate', deliveryKey: first.json.deliveryKey },
      })
      await new Promise((resolve) => setTimeout(resolve, 600)) // a few worker rounds
      expect(notifications()).toHaveLength(1)
    })

    it('keeps one live card per order: edits as it moves, never rolls back, replaces a deleted card', async () => {
      // Two instances on one SQLite file, as two replicas would run: webhooks land on either.
      const apps = [await launch(), await launch()]
      const edits = () => fake.edits.filter((edit) => edit.chat_id === GROUP)
      const steps: [number, number, number][] = [
        [1, 1, 0],
        [2, 2, 10],
        [3, 3, 20],
        [4, 4, 30],
        [5, 5, 40],
      ]
      for (const [index, [status, group, minute]] of steps.entries()) {
        const answer = await postWebhook(webhookUrl(apps[index % 2]!), orderStatusBody(status, group, minute))
        expect(answer.status).toBe(200)
        await waitFor(
          () => notifications().length + edits().length === index + 1,
          `change ${index + 1} shown`,
        )
      }
      expect(notifications()).toHaveLength(1)
      expect(edits()).toHaveLength(4)
      const card = notifications()[0]!
      expect(new Set(edits().map((edit) => edit.message_id))).toEqual(new Set([card.message_id]))
      const shown = () => fake.message(GROUP, card.message_id)?.text ?? ''
      expect(shown()).toContain('#5')

      // KeyCRM delivers an older change late: the history takes it, the card stays at status 5.
      await postWebhook(webhookUrl(apps[0]!), orderStatusBody(9, 3, 25))
      await waitFor(() => edits().length === 5, 'the late change merged into the history')
      // Times show in the shop's zone (Europe/Kyiv by default).
      expect(shown()).toMatch(/#9 12:25 → #4 12:30 → #5 12:40/)

      // Someone deletes the card: the next change goes out as a new, silent card, and is edited after.
      fake.deleteMessage(GROUP, card.message_id)
      await postWebhook(webhookUrl(apps[1]!), orderStatusBody(7, 4, 50))
      await waitFor(() => notifications().length === 2, 'the replacement card')
      expect(notifications()[1]).toMatchObject({ disable_notification: true })
      await postWebhook(webhookUrl(apps[0]!), orderStatusBody(8, 5, 55))
      await waitFor(() => edits().length === 6, 'the replacement edited')
      expect(edits().at(-1)?.message_id).toBe(notifications()[1]?.message_id)
      expect(fake.count429).toBe(0)
    })

    it("answers the bot's own /hello and Keygram's /chatid while polling under the lease", async () => {
      const app = await launch()
      await waitFor(() => polling(app), 'the guarded poller to poll')
      expect(await (await fetch(`${app.url}/health`)).json()).toMatchObject({ polling: 'polling' })
      await waitFor(() => fake.countCalls('setMyCommands', 200) === 1, 'the command menu')

      fake.pushMessage({
        chat: { id: 777, type: 'private', first_name: 'Olena' },
        text: '/hello',
        from: { id: 777, first_name: 'Olena' },
      })
      await waitFor(() => fake.sent.some((message) => message.chat_id === 777), 'the /hello reply')
      expect(fake.sent.find((message) => message.chat_id === 777)?.text).toBe('Hello, Olena!')

      fake.pushMessage({
        chat: { id: GROUP, type: 'supergroup', title: 'Orders' },
        text: '/chatid',
        from: { id: ADMIN },
      })
      await waitFor(() => notifications().length === 1, 'the /chatid reply')
      expect(notifications()[0]?.plain_text).toContain(`Chat id: ${GROUP}`)
    })

    it('stops cleanly: handled updates confirmed, lease released, dedupe kept across a restart', async () => {
      const first = await launch()
      await waitFor(() => polling(first), 'the guarded poller to poll')
      fake.pushMessage({ chat: 777, text: '/hello' })
      await waitFor(() => fake.sent.length === 1, 'the /hello reply')
      expect((await postWebhook(webhookUrl(first))).json.status).toBe('queued')
      await waitFor(() => notifications().length === 1, 'the notification')

      const { fencingToken } = first.poller.status()
      await first.stop()
      expect(first.poller.status().state).toBe('stopped')
      // The handled /hello was confirmed at Telegram, so a restart does not answer it twice.
      expect(fake.pendingUpdateCount).toBe(0)
      await expect(fetch(`${first.url}/health`)).rejects.toThrow()

      // Same data folder: the lease is free at once (not after its 15 s TTL) and the SQLite dedupe survived.
      const restartedAt = Date.now()
      const second = await launch()
      await waitFor(() => polling(second, restartedAt), 'the restarted poller to poll', 5000)
      expect(second.poller.status().fencingToken).toBeGreaterThan(fencingToken ?? 0)
      expect(await postWebhook(webhookUrl(second), orderWebhookBody)).toMatchObject({
        status: 200,
        json: { status: 'duplicate' },
      })
      expect(first.poller.status().conflicts + second.poller.status().conflicts).toBe(0)
      expect(fake.sent.filter((message) => message.chat_id === 777)).toHaveLength(1)
    })

    it('fails to start on a taken port without keeping the lease or the store', async () => {
      const first = await launch()
      const takenPort = Number(new URL(first.url).port)
      await first.stop()
      running.length = 0
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(takenPort, '127.0.0.1', resolve))
      try {
        await expect(launch(takenPort)).rejects.toThrow(/EADDRINUSE/)
      } finally {
        await new Promise((resolve) => blocker.close(resolve))
      }
      // Had the failed start kept its lease, this one would stand by for the lease's 15 s TTL.
      const restartedAt = Date.now()
      const second = await launch()
      await waitFor(() => polling(second, restartedAt), 'the next start to poll', 5000)
    })

    it('runs from environment variables (main.ts) and exits 0 on SIGTERM', async () => {
      // Run like `pnpm start`, with tsx mapping @keygram/* to the sources (no build needed).
      const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
        cwd: fileURLToPath(new URL(`../${name}/`, import.meta.url)),
        env: {
          ...process.env,
          TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
          BOT_TOKEN: fake.token,
          TELEGRAM_API_ROOT: fake.url,
          WEBHOOK_SECRET: SECRET,
          CHAT_ID: String(GROUP),
          ADMIN_IDS: String(ADMIN),
          DATA_DIR: dataDir,
          HOST: '127.0.0.1',
          PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      try {
        await waitFor(
          () => /KeyCRM webhooks: (\S+)\/webhooks/.test(output),
          `main.ts to listen (output: ${output})`,
          15_000,
        )
        const base = /KeyCRM webhooks: (\S+)\/webhooks/.exec(output)?.[1] ?? ''
        expect(await postWebhook(`${base}/webhooks/keycrm/${SECRET}`)).toMatchObject({ status: 200 })
        await waitFor(() => notifications().length === 1, 'the notification')
        await waitFor(() => fake.hasPendingPoll, 'the poller')
        fake.pushMessage({ chat: 777, text: '/hello', from: { first_name: 'Taras' } })
        await waitFor(() => fake.sent.some((message) => message.text === 'Hello, Taras!'), 'the /hello reply')

        child.kill('SIGTERM')
        expect(await exited).toBe(0)
        expect(fake.pendingUpdateCount).toBe(0)
        expect(output).not.toContain(fake.token)
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    })
  })
}
