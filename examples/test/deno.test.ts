/**
 * The Deno example, run by Deno itself (`node_modules/.bin/deno`, installed from npm): type-checked with
 * `deno check`, then started as a process against the fake Bot API and driven like KeyCRM would.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { orderWebhookBody, postWebhook, waitFor } from './helpers.ts'

const run = promisify(execFile)
// The executable itself, not `.bin/deno`: that wrapper runs it through a Node process which does not pass
// SIGTERM on, so the example's shutdown could not be tested (and a killed wrapper would orphan Deno).
const deno = fileURLToPath(new URL('../../node_modules/deno/deno', import.meta.url))
const exampleDir = fileURLToPath(new URL('../deno/', import.meta.url))
const rootPackageJson = new URL('../../package.json', import.meta.url)
const GROUP = -1009876543210
const SECRET = 'deno-example-secret'
const ENV_NAMES = 'BOT_TOKEN,WEBHOOK_SECRET,CHAT_ID,TELEGRAM_API_ROOT,HOST,PORT'

// Deno 2.9, when it cannot resolve a package, "migrates" pnpm-workspace.yaml into the root package.json.
// The example must resolve cleanly, so the root manifest must come out of every run untouched.
let manifestBefore: string
beforeEach(async () => {
  manifestBefore = await readFile(rootPackageJson, 'utf8')
})
afterEach(async () => {
  const manifestAfter = await readFile(rootPackageJson, 'utf8')
  if (manifestAfter !== manifestBefore) await writeFile(rootPackageJson, manifestBefore) // undo, then fail
  expect(manifestAfter).toBe(manifestBefore)
})

describe('deno example', () => {
  it('type-checks with deno check', async () => {
    const { stderr } = await run(deno, ['check', 'main.ts'], {
      cwd: exampleDir,
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(stderr).toContain('Check main.ts')
    expect(stderr).not.toMatch(/error|warning/i)
  })

  describe('running under Deno.serve', () => {
    let fake: FakeBotApi
    let child: ChildProcess | undefined

    beforeEach(async () => {
      fake = await createFakeBotApi({ limits: { enabled: false } })
    })
    afterEach(async () => {
      if (child?.exitCode === null) child.kill('SIGKILL')
      await fake.close()
    })

    it('notifies the chat of a KeyCRM webhook once, refuses a wrong secret, and stops on SIGTERM', async () => {
      const process_ = spawn(
        deno,
        ['run', '--no-prompt', '--allow-net', `--allow-env=${ENV_NAMES}`, 'main.ts'],
        {
          cwd: exampleDir,
          env: {
            PATH: process.env.PATH,
            NO_COLOR: '1',
            BOT_TOKEN: fake.token,
            TELEGRAM_API_ROOT: fake.url,
            WEBHOOK_SECRET: SECRET,
            CHAT_ID: String(GROUP),
            HOST: '127.0.0.1',
            PORT: '0',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      child = process_
      let stderr = ''
      process_.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const lines: Record<string, unknown>[] = []
      createInterface({ input: process_.stdout! }).on('line', (line) => {
        lines.push(JSON.parse(line) as Record<string, unknown>)
      })
      const exited = new Promise<number | null>((resolve) => process_.once('exit', (code) => resolve(code)))

      await waitFor(
        () => lines.some((line) => 'listening' in line),
        `Deno to listen (stderr: ${stderr})`,
        15_000,
      )
      const base = String(lines.find((line) => 'listening' in line)?.listening)

      expect(await postWebhook(`${base}/webhooks/keycrm/not-the-secret`)).toMatchObject({ status: 404 })
      const first = await postWebhook(`${base}/webhooks/keycrm/${SECRET}`)
      expect(first).toMatchObject({ status: 200, json: { status: 'queued' } })
      await waitFor(() => fake.sent.some((message) => message.chat_id === GROUP), 'the notification')
      const sent = fake.sent.filter((message) => message.chat_id === GROUP)
      expect(sent).toHaveLength(1)
      expect(sent[0]?.plain_text).toContain('23196')

      const retry = await postWebhook(`${base}/webhooks/keycrm/${SECRET}`, orderWebhookBody)
      expect(retry).toMatchObject({
        status: 200,
        json: { status: 'duplicate', deliveryKey: first.json.deliveryKey },
      })
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ ok: true, delivery: { sent: 1 } })

      process_.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(lines.at(-1)).toEqual({ stopped: true })
      expect(fake.sent.filter((message) => message.chat_id === GROUP)).toHaveLength(1)
      expect(stderr).not.toContain(fake.token)
    })
  })
})
