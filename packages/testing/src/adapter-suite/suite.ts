/**
 * The suite every Telegram framework adapter runs (grammY, Telegraf): its transport against the fake Bot
 * API, and guarded polling in one process and across processes sharing a SQLite or Redis store.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CONFLICT_HINT,
  type GuardedPoller,
  memoryGuard,
  type OutgoingMessage,
  type PollingLogger,
  type PollingState,
  pollingLeaseName,
} from '@keygram/core'
import { describe, expect, it, vi } from 'vitest'
import { createFakeBotApi } from '../fake-bot-api/index.ts'
import type { CallRecord, FakeBotApi } from '../fake-bot-api/types.ts'
import type { ChildConfig, ChildEvent } from './child-poller.ts'
import { harnessModuleUrl, isState, type PollingChild, spawnPollingChild } from './processes.ts'
import type { PollingAdapterSuiteOptions } from './types.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const message = (text: string, format: 'html' | 'plain' = 'html'): OutgoingMessage => ({
  text,
  ...(format === 'html' ? { parse_mode: 'HTML' as const } : {}),
  link_preview_options: { is_disabled: true },
})

type StateLog = Record<'a' | 'b', { state: PollingState; at: number }[]>

/** A logger that keeps its lines for assertions. */
function recordingLogger(): PollingLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = []
  return {
    lines,
    info: (text) => lines.push({ level: 'info', message: text }),
    warn: (text) => lines.push({ level: 'warn', message: text }),
    error: (text) => lines.push({ level: 'error', message: text }),
  }
}

/** A token and its halves, the bot id and the key: none may appear in anything Keygram reports. */
function tokenParts(token: string): [botId: string, key: string, token: string] {
  const [botId = '', key = ''] = token.split(':')
  return [botId, key, token]
}

/** Every pushed id handled exactly once, none unknown. */
function expectExactlyOnce(handled: number[], pushed: number[]): void {
  const counts = new Map<number, number>()
  for (const id of handled) counts.set(id, (counts.get(id) ?? 0) + 1)
  expect(
    [...counts.entries()].filter(([, n]) => n > 1),
    'handled twice',
  ).toEqual([])
  expect(
    pushed.filter((id) => !counts.has(id)),
    'never handled',
  ).toEqual([])
  expect(handled.filter((id) => !pushed.includes(id))).toEqual([])
}

/**
 * The 409s the fake answered went only to polls issued before `before` (the abandoned poll of an instance
 * that was stopped or killed then: the fake, like Telegram, still answers it, to nobody).
 */
function expect409sOnlyToAbandonedPolls(fake: FakeBotApi, before: number[]): void {
  const conflicts = fake.calls.filter((call: CallRecord) => call.status === 409)
  expect(conflicts.length, 'one abandoned poll per handover at most').toBeLessThanOrEqual(before.length)
  for (const call of conflicts) expect(before.some((t) => call.at <= t)).toBe(true)
}

/** Pushes a message update every `everyMs`, recording ids. */
function startPushing(fake: FakeBotApi, everyMs: number): { ids: number[]; stop(): void } {
  const ids: number[] = []
  const timer = setInterval(() => {
    const update = fake.pushMessage({ chat: 4242, text: `u${ids.length}` })
    if (update !== undefined) ids.push(update.update_id)
  }, everyMs)
  return { ids, stop: () => clearInterval(timer) }
}

/**
 * A foreign poller: a bare `getUpdates` loop with no guard and no back-off, like a second deployment of an
 * old bot. It re-polls at once after each 409.
 */
function startForeignPoller(fake: FakeBotApi): { calls: () => number; stop(): Promise<void> } {
  const controller = new AbortController()
  let calls = 0
  let offset: number | undefined
  const loop = (async () => {
    while (!controller.signal.aborted) {
      calls++
      try {
        const response = await fetch(`${fake.url}/bot${fake.token}/getUpdates`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ timeout: 30, ...(offset === undefined ? {} : { offset }) }),
          signal: controller.signal,
        })
        const reply = (await response.json()) as { ok: boolean; result?: { update_id: number }[] }
        const last = reply.result?.at(-1)
        if (last !== undefined) offset = last.update_id + 1
      } catch {
        // aborted
      }
    }
  })()
  return {
    calls: () => calls,
    async stop() {
      controller.abort()
      await loop
    },
  }
}

/**
 * Registers the adapter suite (vitest `describe`/`it`) for one framework.
 *
 * @param name The framework, for test titles (`grammY`, `Telegraf`).
 * @param options The adapter bound to its framework, and the module child processes load.
 */
export function testPollingAdapter<B>(name: string, options: PollingAdapterSuiteOptions<B>): void {
  const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379'
  const processModuleUrl = harnessModuleUrl(options.processModule)
  const quiet: PollingLogger = { info() {}, warn() {}, error() {} }

  describe(`${name} adapter: transport`, () => {
    it('sends through the fake with thread, markup, preview options and silence; maps every failure', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      try {
        const bot = options.createBot(fake.url, fake.token, () => {})
        const transport = options.createTransport(bot)

        fake.addTopic(-1001, 7)
        const ok = await transport.sendMessage(
          { chatId: '-1001', threadId: 7 },
          {
            ...message('<b>Order</b> #1'),
            reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://example.com/1' }]] },
            disable_notification: true,
          },
        )
        expect(ok).toMatchObject({ ok: true })
        expect(fake.sent).toHaveLength(1)
        expect(fake.sent[0]).toMatchObject({
          chat_id: -1001,
          message_thread_id: 7,
          plain_text: 'Order #1',
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          disable_notification: true,
          reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://example.com/1' }]] },
        })
        expect(ok.ok && ok.messageId).toBe(fake.sent[0]?.message_id)

        const plain = await transport.sendMessage({ chatId: '42' }, message('a < b & c', 'plain'))
        expect(plain).toMatchObject({ ok: true })
        expect(fake.sent[1]).toMatchObject({ text: 'a < b & c' })
        expect(fake.sent[1]?.parse_mode).toBeUndefined()

        fake.fail('sendMessage', { status: 429, retryAfter: 7 })
        expect(await transport.sendMessage({ chatId: '42' }, message('x'))).toMatchObject({
          ok: false,
          kind: 'rate_limited',
          errorCode: 429,
          retryAfter: 7,
        })

        fake.migrateChat(-100, -100123)
        expect(await transport.sendMessage({ chatId: '-100' }, message('x'))).toMatchObject({
          ok: false,
          kind: 'migrated',
          errorCode: 400,
          migrateToChatId: '-100123',
        })

        fake.blockChat(43)
        expect(await transport.sendMessage({ chatId: '43' }, message('x'))).toMatchObject({
          ok: false,
          kind: 'forbidden',
          errorCode: 403,
        })

        expect(await transport.sendMessage({ chatId: '42' }, message('<b>unclosed'))).toMatchObject({
          ok: false,
          kind: 'parse_entities',
          errorCode: 400,
        })

        fake.fail('sendMessage', { status: 500 })
        expect(await transport.sendMessage({ chatId: '42' }, message('x'))).toMatchObject({
          ok: false,
          kind: 'server_error',
          errorCode: 500,
        })

        fake.forgetChat(44)
        expect(await transport.sendMessage({ chatId: '44' }, message('x'))).toMatchObject({
          kind: 'chat_not_found',
        })
      } finally {
        await fake.close()
      }
    })

    it('resolves a network failure without throwing and without the token', async () => {
      const fake = await createFakeBotApi()
      const { url, token } = fake
      await fake.close()
      const bot = options.createBot(url, token, () => {})
      const failure = await options.createTransport(bot).sendMessage({ chatId: '42' }, message('x'))
      expect(failure).toMatchObject({ ok: false, errorCode: null })
      expect(['network', 'timeout']).toContain(failure.ok ? 'ok' : failure.kind)
      expect(tokenParts(token).filter((part) => JSON.stringify(failure).includes(part))).toEqual([])
    })

    it('keeps every part of the token, bot id included, out of failures, polling status and logs', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      const [botId] = tokenParts(fake.token)
      // Same bot id, a key the fake refuses: every call is answered 401.
      const refused = `${botId}:AA${'x'.repeat(33)}`
      const reported: { token: string; seen: unknown }[] = []
      const poll = (token: string) => {
        const logger = recordingLogger()
        const poller = options.startPolling(
          options.createBot(fake.url, token, () => {}),
          {
            guard: memoryGuard(),
            ttlMs: 3000,
            timeoutSeconds: 1,
            logger,
          },
        )
        return { poller, logger }
      }
      const send = (token: string) =>
        options
          .createTransport(options.createBot(fake.url, token, () => {}))
          .sendMessage({ chatId: '42' }, message('x'))
      const failed = async ({ poller, logger }: ReturnType<typeof poll>) => {
        try {
          await vi.waitFor(() => expect(poller.status().lastError).not.toBeNull(), { timeout: 5000 })
          return { status: poller.status(), logs: logger.lines }
        } finally {
          await poller.stop()
        }
      }
      const unauthorized = poll(refused)
      const healthy = poll(fake.token)
      try {
        const refusal = await send(refused)
        expect(refusal).toMatchObject({ ok: false, kind: 'unauthorized', errorCode: 401 })
        reported.push({ token: refused, seen: { failure: refusal, ...(await failed(unauthorized)) } })
        await vi.waitFor(() => expect(healthy.poller.status().state).toBe('polling'), { timeout: 5000 })
        // The API goes away: fetch errors, whose messages carry the request URL (Telegraf keeps the id in it).
        await fake.close()
        const failure = await send(fake.token)
        expect(failure).toMatchObject({ ok: false, errorCode: null })
        reported.push({ token: fake.token, seen: { failure, ...(await failed(healthy)) } })
      } finally {
        await Promise.all([unauthorized.poller.stop(), healthy.poller.stop()])
        await fake.close()
      }
      for (const { token, seen } of reported) {
        const text = JSON.stringify(seen)
        expect(text).toMatch(/"lastError":"[^"]/)
        expect(
          tokenParts(token).filter((part) => text.includes(part)),
          text,
        ).toEqual([])
      }
    })
  })

  describe(`${name} adapter: guarded polling in one process`, () => {
    it('a cold start keeps what users sent while no instance polled; dropPendingUpdates drops it', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      const whileDown = () =>
        [1, 2].map((n) => fake.pushMessage({ chat: 4242, text: `sent while down ${n}` })!.update_id)
      const coldStart = (extra: { dropPendingUpdates?: boolean }) => {
        const handled: number[] = []
        const bot = options.createBot(fake.url, fake.token, (update) => {
          handled.push(update.update_id)
        })
        const poller = options.startPolling(bot, {
          guard: memoryGuard(),
          timeoutSeconds: 1,
          logger: quiet,
          ...extra,
        })
        return { handled, poller }
      }
      try {
        // Embedded in a bot people talk to (the default): their messages are answered once it is back.
        const kept = whileDown()
        const embedded = coldStart({})
        try {
          await vi.waitFor(() => expect(embedded.handled).toEqual(kept), { timeout: 5000 })
        } finally {
          await embedded.poller.stop()
        }

        // Asked to drop, as the standalone server does: the backlog is gone and nothing of it is handled.
        whileDown()
        const restartedAt = Date.now()
        const server = coldStart({ dropPendingUpdates: true })
        try {
          // Polling begins once the set-up (deleteWebhook) is done; then a poll of its own is waiting.
          await vi.waitFor(() => expect(server.poller.status().state).toBe('polling'), { timeout: 5000 })
          await vi.waitFor(() =>
            expect(fake.calls.some((c) => c.method === 'getUpdates' && c.at >= restartedAt)).toBe(true),
          )
          expect(fake.pendingUpdateCount).toBe(0)
          expect(server.handled).toEqual([])
        } finally {
          await server.poller.stop()
        }
      } finally {
        await fake.close()
      }
    })

    it('two pollers started at once: one polls, no 409; stop hands over fast, every update exactly once', async () => {
      const fake = await createFakeBotApi({
        limits: { enabled: false },
        conflictPacingMs: 200,
        repeatedOffsetPollMs: 200,
      })
      const guard = memoryGuard()
      const handled: { by: string; id: number }[] = []
      const states: StateLog = { a: [], b: [] }
      const pollers: Partial<Record<'a' | 'b', GuardedPoller>> = {}
      const pushing = startPushing(fake, 20)
      try {
        for (const who of ['a', 'b'] as const) {
          const bot = options.createBot(fake.url, fake.token, (update) => {
            handled.push({ by: who, id: update.update_id })
          })
          pollers[who] = options.startPolling(bot, {
            guard,
            holder: who,
            ttlMs: 3000,
            standbyRetryMs: 50,
            timeoutSeconds: 30,
            // Updates are pushed from before the start: a cold start's drop would lose the first ones
            // whenever getMe + deleteWebhook take longer than one push interval (a loaded machine).
            dropPendingUpdates: false,
            logger: quiet,
            onStateChange: (status) => states[who].push({ state: status.state, at: Date.now() }),
          })
        }
        const a = pollers.a!
        const b = pollers.b!
        await vi.waitFor(() =>
          expect([a.status().state, b.status().state].sort()).toEqual(['polling', 'standby']),
        )
        const [active, standby, standbyName] =
          a.status().state === 'polling' ? [a, b, 'b' as const] : [b, a, 'a' as const]
        await sleep(400)
        expect(fake.responses409).toBe(0)
        expect(standby.status()).toMatchObject({ state: 'standby', leaseHolder: active.status().leaseHolder })
        expect(new Set(states[standbyName].map((s) => s.state))).toEqual(new Set(['standby']))

        const stoppedAt = Date.now()
        const startedStop = performance.now()
        await active.stop()
        const stopMs = performance.now() - startedStop
        expect(stopMs).toBeLessThan(1000)
        expect(active.status().state).toBe('stopped')
        await vi.waitFor(() => expect(standby.status().state).toBe('polling'), { timeout: 3000 })
        const takeoverMs = (states[standbyName].find((s) => s.state === 'polling')?.at ?? 0) - stoppedAt
        await sleep(400)
        pushing.stop()
        await vi.waitFor(() => expect(handled.length).toBeGreaterThanOrEqual(pushing.ids.length), {
          timeout: 3000,
        })
        await sleep(100)
        expectExactlyOnce(
          handled.map((h) => h.id),
          pushing.ids,
        )
        expect(new Set(handled.map((h) => h.by)).size).toBe(2)
        expect(active.status().conflicts + standby.status().conflicts).toBe(0)
        expect409sOnlyToAbandonedPolls(fake, [stoppedAt])

        // The successor idles in a 30 s long poll now: stopping must abort it, not wait it out.
        await vi.waitFor(() => expect(fake.hasPendingPoll).toBe(true))
        // Past the 250 ms a just-sent poll is given to reach Telegram: this measures the abort alone.
        await sleep(300)
        const startedIdleStop = performance.now()
        await standby.stop()
        const idleStopMs = performance.now() - startedIdleStop
        expect(idleStopMs).toBeLessThan(1000)
        expect(await guard.inspect(pollingLeaseName(fake.token))).toBeNull()
        console.info(
          `[${name}] in-process: stop while busy ${stopMs.toFixed(0)} ms, stop of an idle 30 s poll ` +
            `${idleStopMs.toFixed(0)} ms, standby took over in ${takeoverMs} ms, ${pushing.ids.length} updates once each`,
        )
      } finally {
        pushing.stop()
        await Promise.all(Object.values(pollers).map((p) => p.stop()))
        await fake.close()
      }
    })

    it('a foreign poller: conflict reported once, bounded retries, back to polling when it leaves', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false }, conflictPacingMs: 20 })
      const logger = recordingLogger()
      const handled: number[] = []
      const bot = options.createBot(fake.url, fake.token, (update) => {
        handled.push(update.update_id)
      })
      const poller = options.startPolling(bot, {
        guard: memoryGuard(),
        ttlMs: 3000,
        timeoutSeconds: 30,
        conflictBackoff: { baseMs: 200, capMs: 800, jitter: 0.5 },
        logger,
      })
      const foreign = startForeignPoller(fake)
      try {
        await vi.waitFor(() => expect(poller.status().state).toBe('conflict'), { timeout: 5000 })
        const windowMs = 3000
        const callsBefore = fake.countCalls('getUpdates')
        const foreignBefore = foreign.calls()
        await sleep(windowMs)
        const ours = fake.countCalls('getUpdates') - callsBefore - (foreign.calls() - foreignBefore)
        // Back-off floors 100, 200, 400, 400... ms: at most 9 polls fit in 3 s. A loop re-polling on every
        // 409 would make ~150 (one per 20 ms pacing slot).
        expect(ours).toBeLessThanOrEqual(10)
        expect(poller.status().state).toBe('conflict')
        expect(poller.status().conflicts).toBeGreaterThanOrEqual(3)
        const warnings = logger.lines.filter((line) => line.level === 'warn')
        expect(warnings).toHaveLength(1)
        expect(warnings[0]?.message).toContain(CONFLICT_HINT)

        await foreign.stop()
        await sleep(1000)
        const update = fake.pushMessage({ chat: 4242, text: 'after' })
        await vi.waitFor(() => expect(handled).toContain(update?.update_id), { timeout: 5000 })
        expect(poller.status()).toMatchObject({ state: 'polling', lastError: null })
        console.info(`[${name}] foreign poller: ${ours} of our polls in ${windowMs} ms of conflict`)
      } finally {
        await foreign.stop()
        await poller.stop()
        await fake.close()
      }
    })

    it('a lost lease stops polling before the next holder starts: no 409 reaches anyone', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false }, conflictPacingMs: 200 })
      let skew = 0
      const guard = memoryGuard({ clock: () => Date.now() + skew })
      const states: StateLog = { a: [], b: [] }
      const handled: number[] = []
      const start = (who: 'a' | 'b') =>
        options.startPolling(
          options.createBot(fake.url, fake.token, (update) => {
            handled.push(update.update_id)
          }),
          {
            guard,
            holder: who,
            ttlMs: 10_000,
            standbyRetryMs: 50,
            timeoutSeconds: 30,
            logger: quiet,
            onStateChange: (status) => states[who].push({ state: status.state, at: Date.now() }),
          },
        )
      const a = start('a')
      let b: GuardedPoller | undefined
      try {
        await vi.waitFor(() => expect(a.status().state).toBe('polling'))
        b = start('b')
        await vi.waitFor(() => expect(b?.status()).toMatchObject({ state: 'standby', leaseHolder: 'a' }))
        await vi.waitFor(() => expect(fake.hasPendingPoll).toBe(true))
        const callsBefore = fake.calls.length
        // a's process "pauses" past its lease: by the guard's clock it has expired.
        skew += 11_000
        const expiredAt = Date.now()
        await vi.waitFor(() => expect(b?.status().state).toBe('polling'), { timeout: 3000 })
        const aLeft = states.a.find((s, i) => i > 0 && s.state === 'standby' && s.at >= expiredAt)
        expect(aLeft, 'a went back to standby').toBeDefined()
        const firstPollOfB = fake.calls
          .slice(callsBefore)
          .find((call) => call.method.toLowerCase() === 'getupdates')
        expect(firstPollOfB).toBeDefined()
        expect(aLeft!.at).toBeLessThanOrEqual(firstPollOfB!.at)
        // b's first poll found a's abandoned one; afterwards nothing more is answered 409.
        await sleep(500)
        expect(a.status().conflicts + (b.status().conflicts ?? 0)).toBe(0)
        expect409sOnlyToAbandonedPolls(fake, [expiredAt])
        const update = fake.pushMessage({ chat: 4242, text: 'after' })
        await vi.waitFor(() => expect(handled).toEqual([update?.update_id]))
        expect(a.status()).toMatchObject({ state: 'standby', leaseHolder: 'b' })
      } finally {
        await Promise.all([a.stop(), b?.stop()])
        await fake.close()
      }
    })
  })

  describe(`${name} adapter: a poller that cannot start says so`, () => {
    it('Telegram down, then 500s at start-up: the status says why, one warning per kind, then it polls', async () => {
      const first = await createFakeBotApi({ limits: { enabled: false } })
      const { url, token } = first
      // Refused connections: nothing listens on the port until the API "comes back" on it.
      await first.close()
      const logger = recordingLogger()
      const handled: number[] = []
      const poller = options.startPolling(
        options.createBot(url, token, (update) => {
          handled.push(update.update_id)
        }),
        {
          guard: memoryGuard(),
          ttlMs: 3000,
          timeoutSeconds: 30,
          errorBackoff: { baseMs: 100, capMs: 400, jitter: 0.5 },
          logger,
        },
      )
      let fake: FakeBotApi | undefined
      try {
        await vi.waitFor(() => expect(poller.status().lastError).not.toBeNull(), { timeout: 2000 })
        const unreachable = poller.status()
        expect(unreachable.state).toBe('starting')
        expect(unreachable.lastError).toMatch(/^the Telegram Bot API cannot be reached: /)
        await sleep(1000)

        fake = await createFakeBotApi({
          token,
          port: Number(new URL(url).port),
          limits: { enabled: false },
        })
        fake.fail('*', { status: 500, times: Number.POSITIVE_INFINITY })
        await vi.waitFor(() => expect(poller.status().lastError).toMatch(/answered 500/), { timeout: 2000 })
        const erroring = poller.status()
        expect(erroring.state).toBe('starting')
        await sleep(1000)
        const getMeWhileErroring = fake.countCalls('getMe')
        fake.clearFaults()

        await vi.waitFor(() => expect(poller.status().state).toBe('polling'), { timeout: 5000 })
        expect(poller.status().lastError).toBeNull()
        const update = fake.pushMessage({ chat: 4242, text: 'back' })
        await vi.waitFor(() => expect(handled).toEqual([update?.update_id]), { timeout: 5000 })

        // Backed off (floors 50, 100, 200, 200... ms), not a retry loop: a few getMe calls in a second of 500s.
        expect(getMeWhileErroring).toBeGreaterThanOrEqual(1)
        expect(getMeWhileErroring).toBeLessThanOrEqual(8)
        const warnings = logger.lines.filter((line) => line.level !== 'info').map((line) => line.message)
        expect(warnings).toEqual([
          'polling: cannot start: the Telegram Bot API cannot be reached; retrying with back-off',
          'polling: cannot start: the Telegram Bot API answered 500; retrying with back-off',
        ])
        expect(
          logger.lines.some((line) => /^polling: started after \d+ failed attempt/.test(line.message)),
        ).toBe(true)
        const reported = JSON.stringify({ unreachable, erroring, logs: logger.lines })
        expect(tokenParts(token).filter((part) => reported.includes(part))).toEqual([])
        console.info(
          `[${name}] start-up outage: ${getMeWhileErroring} getMe calls during ~1 s of 500s, ` +
            `${warnings.length} warnings for 2 failure kinds`,
        )
      } finally {
        await poller.stop()
        await fake?.close()
      }
    })

    it('a refused token (401): state failed with the reason, one error line, no retries, lease released', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      const [botId] = tokenParts(fake.token)
      const refused = `${botId}:AA${'y'.repeat(33)}`
      const guard = memoryGuard()
      const logger = recordingLogger()
      const poller = options.startPolling(
        options.createBot(fake.url, refused, () => {}),
        { guard, ttlMs: 3000, timeoutSeconds: 30, errorBackoff: { baseMs: 100, capMs: 400 }, logger },
      )
      try {
        // start() returns the running promise: it settles once the poller gave up.
        await poller.start()
        expect(poller.status()).toMatchObject({
          state: 'failed',
          lastError: 'Telegram refused the bot token (401)',
          leaseHolder: null,
        })
        expect(await guard.inspect(pollingLeaseName(refused))).toBeNull()
        await sleep(3000)
        // One getMe, refused; nothing after it. A poller retrying with back-off would make ~6 calls here.
        expect(fake.countCalls('getMe')).toBe(1)
        expect(fake.calls).toHaveLength(1)
        expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([
          {
            level: 'error',
            message:
              'polling: Telegram refused the bot token (401); polling stopped for good: fix the bot token and restart',
          },
        ])
        const reported = JSON.stringify({ status: poller.status(), logs: logger.lines })
        expect(tokenParts(refused).filter((part) => reported.includes(part))).toEqual([])
      } finally {
        await poller.stop()
        await fake.close()
      }
    })
  })

  describe(`${name} adapter: guarded polling across processes`, () => {
    const ttlMs = 2500
    const renewEveryMs = ttlMs / 3
    const standbyRetryMs = 100

    async function withProcesses(
      storeKind: 'sqlite' | 'redis',
      scenario: (ctx: { fake: FakeBotApi; spawn(holder: string): PollingChild }) => Promise<void>,
    ): Promise<void> {
      const dir = mkdtempSync(join(tmpdir(), 'keygram-polling-'))
      const prefix = `keygram-test:${randomUUID()}:`
      if (storeKind === 'redis') {
        // Fail (never skip) when Redis is down.
        const probe = options.redisStore({ url: redisUrl, prefix })
        try {
          await probe.ping()
        } finally {
          await probe.close()
        }
      }
      const fake = await createFakeBotApi({
        limits: { enabled: false },
        conflictPacingMs: 200,
        repeatedOffsetPollMs: 200,
      })
      const children: PollingChild[] = []
      try {
        await scenario({
          fake,
          spawn(holder) {
            const config: ChildConfig = {
              harness: {
                url: processModuleUrl,
                ...(options.processExport === undefined ? {} : { exportName: options.processExport }),
              },
              store:
                storeKind === 'sqlite'
                  ? { kind: 'sqlite', path: join(dir, 'keygram.db') }
                  : { kind: 'redis', url: redisUrl, prefix },
              apiRoot: fake.url,
              token: fake.token,
              holder,
              ttlMs,
              standbyRetryMs,
              timeoutSeconds: 30,
              handledLog: join(dir, `${holder}.handled`),
            }
            const child = spawnPollingChild(config, options.processExecArgv)
            children.push(child)
            return child
          },
        })
      } finally {
        for (const child of children) child.signal('SIGKILL')
        await Promise.all(children.map((child) => child.exited))
        await fake.close()
        rmSync(dir, { recursive: true, force: true })
      }
    }

    /** Starts two children at the same moment; resolves [poller, standby] once the roles are settled. */
    async function startPair(
      spawn: (holder: string) => PollingChild,
      fake: FakeBotApi,
    ): Promise<[PollingChild, PollingChild]> {
      const pair = [spawn('p1'), spawn('p2')]
      await Promise.all(pair.map((child) => child.waitFor((e) => e.event === 'ready', 20_000)))
      for (const child of pair) child.go()
      const polling = () => pair.filter((child) => child.events.some(isState('polling')))
      await vi.waitFor(() => expect(polling().length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 })
      const first = polling()[0]!
      const other = pair.find((child) => child !== first)!
      await other.waitFor(
        (e) => e.event === 'state' && e.status.state === 'standby' && e.status.leaseHolder === first.holder,
        10_000,
      )
      await vi.waitFor(() => expect(fake.hasPendingPoll).toBe(true), { timeout: 5000 })
      await sleep(300)
      // Exactly one polls: the other never left standby, and nobody got a 409.
      const otherStates = other.events.flatMap((e) => (e.event === 'state' ? [e.status.state] : []))
      expect(new Set(otherStates)).toEqual(new Set(['standby']))
      expect(fake.responses409).toBe(0)
      return [first, other]
    }

    const conflictsSeen = (child: PollingChild) =>
      child.events
        .filter((e): e is Extract<ChildEvent, { event: 'state' }> => e.event === 'state')
        .some((e) => e.status.conflicts > 0)

    for (const storeKind of ['sqlite', 'redis'] as const) {
      it(`${storeKind}: SIGTERM hands over at once; every update handled exactly once`, async () => {
        await withProcesses(storeKind, async ({ fake, spawn }) => {
          const [poller, standby] = await startPair(spawn, fake)
          const pushing = startPushing(fake, 20)
          await sleep(500)
          const signalledAt = Date.now()
          poller.signal('SIGTERM')
          const taken = await standby.waitFor(isState('polling'), ttlMs + 3000)
          const stopped = (await poller.waitFor((e) => e.event === 'stopped', 5000)) as Extract<
            ChildEvent,
            { event: 'stopped' }
          >
          expect(await poller.exited).toMatchObject({ code: 0 })
          await sleep(500)
          pushing.stop()
          await vi.waitFor(
            () =>
              expect(poller.handled().length + standby.handled().length).toBeGreaterThanOrEqual(
                pushing.ids.length,
              ),
            { timeout: 5000 },
          )
          await sleep(200)
          expect(poller.handled().length).toBeGreaterThan(0)
          expect(standby.handled().length).toBeGreaterThan(0)
          expectExactlyOnce([...poller.handled(), ...standby.handled()], pushing.ids)
          expect(conflictsSeen(poller) || conflictsSeen(standby)).toBe(false)
          expect409sOnlyToAbandonedPolls(fake, [signalledAt])
          expect(stopped.stopMs).toBeLessThan(1000)
          const failoverMs = taken.at - signalledAt
          console.info(
            `[${name}/${storeKind}] SIGTERM failover ${failoverMs} ms (stop ${stopped.stopMs.toFixed(0)} ms), ` +
              `${pushing.ids.length} updates once each`,
          )
          expect(failoverMs).toBeLessThan(1500)
        })
      }, 60_000)

      it(`${storeKind}: SIGKILL of the poller: the standby takes over within the lease ttl, nothing lost`, async () => {
        await withProcesses(storeKind, async ({ fake, spawn }) => {
          const [poller, standby] = await startPair(spawn, fake)
          const pushing = startPushing(fake, 20)
          await sleep(500)
          const killedAt = Date.now()
          poller.signal('SIGKILL')
          await poller.exited
          const taken = await standby.waitFor(isState('polling'), ttlMs + 5000)
          await sleep(500)
          pushing.stop()
          await vi.waitFor(
            () =>
              expect(new Set([...poller.handled(), ...standby.handled()]).size).toBeGreaterThanOrEqual(
                pushing.ids.length,
              ),
            { timeout: 5000 },
          )
          const all = [...poller.handled(), ...standby.handled()]
          expect(
            pushing.ids.filter((id) => !all.includes(id)),
            'lost',
          ).toEqual([])
          // Only what the killed process handled but had not confirmed yet may come again: the tail of its
          // record, the updates handled after its last poll was sent.
          const killedHandled = poller.handled()
          const again = standby.handled().filter((id) => killedHandled.includes(id))
          expect(new Set(standby.handled()).size).toBe(standby.handled().length)
          expect(again).toEqual(again.length === 0 ? [] : killedHandled.slice(-again.length))
          expect(conflictsSeen(standby)).toBe(false)
          expect409sOnlyToAbandonedPolls(fake, [killedAt])
          const failoverMs = taken.at - killedAt
          console.info(
            `[${name}/${storeKind}] SIGKILL failover ${failoverMs} ms (ttl ${ttlMs} ms), ` +
              `${again.length} update(s) handled again`,
          )
          // It waited for the lease (renewed at most renewEveryMs before the kill) and not much longer.
          expect(failoverMs).toBeGreaterThanOrEqual(ttlMs - renewEveryMs - 200)
          expect(failoverMs).toBeLessThan(ttlMs + 1500)
        })
      }, 60_000)
    }
  })
}
