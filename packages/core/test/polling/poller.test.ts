import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryGuard } from '../../src/guard/index.ts'
import type { SingleInstanceGuard } from '../../src/guard/types.ts'
import {
  CONFLICT_HINT,
  createGuardedPoller,
  type GuardedPoller,
  type GuardedPollerOptions,
  type PollingState,
  type PollingStatus,
  pollingBackoffDelayMs,
} from '../../src/polling/index.ts'
import {
  failure,
  memoryLogger,
  type ScriptedDriver,
  scriptedDriver,
  scriptedError,
} from './scripted-driver.ts'

const fast = {
  ttlMs: 600,
  standbyRetryMs: 20,
  timeoutSeconds: 30,
  conflictBackoff: { baseMs: 40, capMs: 160, jitter: 0.5 },
  errorBackoff: { baseMs: 20, capMs: 80, jitter: 0.5 },
}

const pollers: GuardedPoller[] = []
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()))
})

function poller(options: Partial<GuardedPollerOptions> & Pick<GuardedPollerOptions, 'driver' | 'guard'>) {
  const created = createGuardedPoller({ name: 'polling:1', logger: memoryLogger(), ...fast, ...options })
  pollers.push(created)
  return created
}

const waitForState = (p: GuardedPoller, state: PollingState, timeout = 3000) =>
  vi.waitFor(() => expect(p.status().state).toBe(state), { timeout, interval: 5 })

/** Answers the waiting long poll with one update; the success time is then this poll's, not an older one. */
async function expectNextSuccessStamped(p: GuardedPoller, driver: ScriptedDriver, handledAfter: number[]) {
  const beforeSuccess = Date.now()
  driver.push()
  await vi.waitFor(() => expect(driver.handled).toEqual(handledAfter))
  expect(p.status().lastSuccessfulPollAt).toBeGreaterThanOrEqual(beforeSuccess)
}

describe('createGuardedPoller', () => {
  it('deletes the webhook, then handles updates in order, advancing and confirming the offset', async () => {
    const driver = scriptedDriver()
    const p = poller({ driver, guard: memoryGuard() })
    void p.start()
    await waitForState(p, 'polling')
    driver.push(3)
    await vi.waitFor(() => expect(driver.handled).toEqual([1, 2, 3]))
    driver.push(2)
    await vi.waitFor(() => expect(driver.handled).toEqual([1, 2, 3, 4, 5]))
    // By default a cold start keeps what queued at Telegram while nothing polled.
    expect(driver.calls[0]).toMatchObject({ method: 'deleteWebhook', dropPendingUpdates: false })
    const offsets = driver.calls.filter((c) => c.method === 'getUpdates').map((c) => c.params?.offset)
    expect(offsets.slice(0, 3)).toEqual([undefined, 4, 6])
    expect(driver.calls.filter((c) => c.method === 'getUpdates').every((c) => c.params?.timeout === 30)).toBe(
      true,
    )
    expect(p.status()).toMatchObject({ state: 'polling', conflicts: 0, lastError: null, fencingToken: 1 })
    expect(p.status().lastSuccessfulPollAt).not.toBeNull()
  })

  it('passes allowed_updates and the configured timeout', async () => {
    const driver = scriptedDriver()
    const p = poller({ driver, guard: memoryGuard(), allowedUpdates: ['message'], timeoutSeconds: 7 })
    void p.start()
    await waitForState(p, 'polling')
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
    expect(driver.calls.find((c) => c.method === 'getUpdates')?.params).toMatchObject({
      timeout: 7,
      allowed_updates: ['message'],
    })
  })

  it('logs a failing handler and keeps polling; the failed update is not retried', async () => {
    const driver = scriptedDriver()
    driver.throwOn.add(2)
    const logger = memoryLogger()
    const p = poller({ driver, guard: memoryGuard(), logger })
    void p.start()
    await waitForState(p, 'polling')
    driver.push(3)
    await vi.waitFor(() => expect(driver.handled).toEqual([1, 2, 3]))
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1, 2, 3, 4]))
    const errors = logger.lines.filter((l) => l.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.fields).toMatchObject({ updateId: 2 })
    expect(p.status().state).toBe('polling')
  })

  it('stop aborts a 30 s long poll at once, confirms unconfirmed work before releasing the lease', async () => {
    const guard = memoryGuard()
    const driver = scriptedDriver()
    const p = poller({ driver, guard })
    void p.start()
    await waitForState(p, 'polling')
    // Stop while the batch is being handled: 1 and 2 are handled, nothing confirmed them yet.
    driver.handleDelayMs = 50
    driver.push(3)
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
    let heldDuringConfirm: unknown = 'not called'
    driver.onConfirm = () => {
      heldDuringConfirm = guard.inspect('polling:1')
    }
    await p.stop()
    expect(await heldDuringConfirm).toMatchObject({ fencingToken: 1 })
    expect(await guard.inspect('polling:1')).toBeNull()
    const confirm = driver.calls.at(-1)
    expect(confirm?.params).toEqual({ offset: driver.handled.at(-1)! + 1, timeout: 0, limit: 1 })
    // The unhandled rest stays for the next poller.
    expect(driver.handled.length).toBeLessThan(3)
    expect(p.status().state).toBe('stopped')
  })

  it('stop during an idle long poll returns within well under a second and sends no confirm', async () => {
    const guard = memoryGuard()
    const driver = scriptedDriver()
    const p = poller({ driver, guard })
    void p.start()
    await waitForState(p, 'polling')
    driver.push(2)
    await vi.waitFor(() => expect(driver.handled).toEqual([1, 2]))
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    await new Promise((r) => setTimeout(r, 300))
    const callsBefore = driver.calls.length
    const started = performance.now()
    await p.stop()
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(100)
    expect(driver.calls.length).toBe(callsBefore)
    expect(driver.calls.at(-1)).toMatchObject({ outcome: 'aborted', params: { offset: 3 } })
    expect(await guard.inspect('polling:1')).toBeNull()
  })

  it('a poll just sent with a new offset gets 250 ms to reach Telegram before a stop aborts it', async () => {
    const driver = scriptedDriver()
    const p = poller({ driver, guard: memoryGuard() })
    void p.start()
    await waitForState(p, 'polling')
    driver.push(2)
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    await vi.waitFor(() => expect(driver.calls.at(-1)?.params?.offset).toBe(3))
    const started = performance.now()
    await p.stop()
    const elapsed = performance.now() - started
    const poll = driver.calls.at(-1)!
    expect(poll).toMatchObject({ outcome: 'aborted', params: { offset: 3 } })
    expect(poll.endedAt! - poll.at).toBeGreaterThanOrEqual(240)
    expect(elapsed).toBeLessThan(400)
    // That poll carried the offset: no confirm repeats it.
    expect(driver.calls.filter((c) => c.params?.timeout === 0)).toHaveLength(0)
  })

  it('a 409 sets conflict with one clear warning, backs off with a floor, and recovers', async () => {
    const driver = scriptedDriver()
    const logger = memoryLogger()
    const states: PollingState[] = []
    const p = poller({
      driver,
      guard: memoryGuard(),
      logger,
      random: () => 0.999_999,
      onStateChange: (s) => states.push(s.state),
    })
    const conflict = failure('conflict', 409)
    driver.failNext(conflict, conflict, conflict, conflict)
    void p.start()
    await waitForState(p, 'conflict')
    expect(p.status().lastError).toContain('conflict')
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]), { timeout: 3000 })
    expect(p.status()).toMatchObject({ state: 'polling', conflicts: 4, lastError: null })
    const warns = logger.lines.filter((l) => l.level === 'warn')
    expect(warns).toHaveLength(1)
    expect(warns[0]?.message).toContain(CONFLICT_HINT)
    expect(logger.lines.some((l) => l.level === 'info' && l.message.includes('conflict is over'))).toBe(true)
    // Gaps between the failing polls follow the back-off floor (window * (1 - jitter)): 20, 40, 80, 80 ms.
    const polls = driver.calls.filter((c) => c.method === 'getUpdates')
    const gaps = polls.slice(1, 5).map((c, i) => c.at - polls[i]!.at)
    expect(gaps[0]).toBeGreaterThanOrEqual(18)
    expect(gaps[1]).toBeGreaterThanOrEqual(38)
    expect(gaps[2]).toBeGreaterThanOrEqual(78)
    expect(gaps[3]).toBeGreaterThanOrEqual(78)
    expect(states).toEqual(['standby', 'starting', 'polling', 'conflict', 'polling'])
  })

  it('backs off after server and network errors, honours retry_after, and keeps polling', async () => {
    const driver = scriptedDriver()
    const p = poller({ driver, guard: memoryGuard() })
    driver.failNext(
      failure('server_error', 500),
      failure('network', null),
      failure('rate_limited', 429, { retryAfter: 0.2 }),
    )
    void p.start()
    await vi.waitFor(() => expect(driver.calls.length).toBeGreaterThan(0))
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]), { timeout: 3000 })
    const polls = driver.calls.filter((c) => c.method === 'getUpdates')
    expect(polls.slice(0, 4).map((c) => c.outcome)).toEqual(['server_error', 'network', 'rate_limited', 'ok'])
    expect(polls[3]!.at - polls[2]!.at).toBeGreaterThanOrEqual(195)
    expect(p.status()).toMatchObject({ state: 'polling', conflicts: 0, lastError: null })
  })

  it('retries deleteWebhook until it works before polling', async () => {
    const driver = scriptedDriver()
    let failuresLeft = 2
    const deleteWebhook = driver.deleteWebhook
    driver.deleteWebhook = async (drop) => {
      if (failuresLeft-- > 0) throw new Error('boom')
      await deleteWebhook(drop)
    }
    const p = poller({ driver, guard: memoryGuard() })
    void p.start()
    await waitForState(p, 'polling')
    expect(failuresLeft).toBe(-1)
    expect(driver.calls.findIndex((c) => c.method === 'deleteWebhook')).toBe(0)
  })

  it('two pollers on one guard: exactly one polls; stopping it hands over without dropping updates', async () => {
    const guard = memoryGuard()
    const a = scriptedDriver()
    const b = scriptedDriver()
    const pa = poller({ driver: a, guard, holder: 'a' })
    const pb = poller({ driver: b, guard, holder: 'b' })
    void pa.start()
    void pb.start()
    await vi.waitFor(() =>
      expect([pa.status().state, pb.status().state].sort()).toEqual(['polling', 'standby']),
    )
    const [active, standby, activeDriver, standbyDriver] =
      pa.status().state === 'polling' ? [pa, pb, a, b] : [pb, pa, b, a]
    expect(standby.status()).toMatchObject({ leaseHolder: active.status().leaseHolder })
    expect(standbyDriver.calls).toHaveLength(0)
    await active.stop()
    await waitForState(standby, 'polling')
    // The standby saw a holder: a takeover, so it must not drop what is queued.
    expect(standbyDriver.calls[0]).toMatchObject({ method: 'deleteWebhook', dropPendingUpdates: false })
    expect(standby.status().fencingToken).toBe(2)
    expect(activeDriver.inFlight).toBe(0)
  })

  it('a lost lease aborts the poll in flight at once and stands by; a retaken lease never drops updates', async () => {
    let skew = 0
    const guard = memoryGuard({ clock: () => Date.now() + skew })
    const driver = scriptedDriver()
    const other = scriptedDriver()
    // Asked to drop on a cold start (as the server does): the retaken lease still must not.
    const p = poller({ driver, guard, ttlMs: 5000, dropPendingUpdates: true })
    void p.start()
    await waitForState(p, 'polling')
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    // Jump past the expiry: the next acquire by someone else ends our grant.
    skew += 6000
    const intruder = await guard.acquire({ name: 'polling:1', ttl: 300, holder: 'intruder' })
    expect(intruder).not.toBeNull()
    // The abort is synchronous with the loss: nothing is left in flight by the time acquire resolved.
    expect(driver.inFlight).toBe(0)
    await waitForState(p, 'standby')
    expect(driver.calls.at(-1)?.outcome).toBe('aborted')
    await waitForState(p, 'polling', 3000)
    const deletes = driver.calls.filter((c) => c.method === 'deleteWebhook')
    expect(deletes.map((c) => c.dropPendingUpdates)).toEqual([true, false])
    expect(p.status().fencingToken).toBe(3)
    expect(other.calls).toHaveLength(0)
  })

  it('a retaken lease reports no success time until its own first successful poll', async () => {
    let skew = 0
    const guard = memoryGuard({ clock: () => Date.now() + skew })
    const driver = scriptedDriver()
    const seen: PollingStatus[] = []
    const p = poller({ driver, guard, ttlMs: 5000, onStateChange: (s) => seen.push(s) })
    void p.start()
    await waitForState(p, 'polling')
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
    const firstTermSuccess = p.status().lastSuccessfulPollAt
    expect(firstTermSuccess).toEqual(expect.any(Number))
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    // Lose the lease to an intruder whose short lease then lapses: the poller takes it again.
    skew += 6000
    await guard.acquire({ name: 'polling:1', ttl: 300, holder: 'intruder' })
    await waitForState(p, 'standby')
    const lostAt = seen.length
    await waitForState(p, 'polling')
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    // The new term's first long poll is waiting: no success in this term yet, whatever the last one did.
    expect(p.status()).toMatchObject({ state: 'polling', fencingToken: 3, lastSuccessfulPollAt: null })
    const newTerm = seen.slice(lostAt).filter((s) => s.state !== 'standby')
    expect(newTerm.map((s) => [s.state, s.lastSuccessfulPollAt])).toEqual([
      ['starting', null],
      ['polling', null],
    ])
    await expectNextSuccessStamped(p, driver, [1, 2])
  })

  it('a start after a stop reports no success time until its own first successful poll', async () => {
    const driver = scriptedDriver()
    const seen: PollingStatus[] = []
    const p = poller({ driver, guard: memoryGuard(), onStateChange: (s) => seen.push(s) })
    void p.start()
    await waitForState(p, 'polling')
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
    expect(p.status().lastSuccessfulPollAt).toEqual(expect.any(Number))
    await p.stop()
    const restartedAt = seen.length
    void p.start()
    await waitForState(p, 'polling')
    await vi.waitFor(() => expect(driver.inFlight).toBe(1))
    expect(p.status().lastSuccessfulPollAt).toBeNull()
    // Not even while standing by for the lease or setting up.
    expect(seen.slice(restartedAt).map((s) => [s.state, s.lastSuccessfulPollAt])).toEqual([
      ['standby', null],
      ['starting', null],
      ['polling', null],
    ])
    await expectNextSuccessStamped(p, driver, [1, 2])
  })

  it('does not confirm after losing the lease (the successor may be polling)', async () => {
    let skew = 0
    const guard = memoryGuard({ clock: () => Date.now() + skew })
    const driver = scriptedDriver()
    const p = poller({ driver, guard, ttlMs: 5000, standbyRetryMs: 10_000 })
    void p.start()
    await waitForState(p, 'polling')
    driver.handleDelayMs = 100
    driver.push(2)
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
    skew += 6000
    await guard.acquire({ name: 'polling:1', ttl: 60_000, holder: 'successor' })
    await waitForState(p, 'standby')
    const afterLoss = driver.calls.length
    await p.stop()
    expect(driver.calls.length).toBe(afterLoss)
    expect(driver.calls.some((c) => c.params?.timeout === 0)).toBe(false)
  })

  it('a failing guard is retried with back-off, never crashes', async () => {
    const memory = memoryGuard()
    let failuresLeft = 3
    const guard: SingleInstanceGuard = {
      async acquire(options) {
        if (failuresLeft-- > 0) throw new Error('connection refused')
        return memory.acquire(options)
      },
      inspect: (name) => memory.inspect(name),
    }
    const driver = scriptedDriver()
    const logger = memoryLogger()
    const p = poller({ driver, guard, logger })
    void p.start()
    await waitForState(p, 'polling')
    expect(logger.lines.filter((l) => l.message.includes('guard failed'))).toHaveLength(3)
  })

  it('stops while standing by, and start(signal) stops on abort', async () => {
    const guard = memoryGuard()
    await guard.acquire({ name: 'polling:1', ttl: 60_000, holder: 'someone' })
    const controller = new AbortController()
    const p = poller({ driver: scriptedDriver(), guard })
    const done = p.start(controller.signal)
    expect(p.start()).toBe(done)
    await vi.waitFor(() => expect(p.status()).toMatchObject({ state: 'standby', leaseHolder: 'someone' }))
    controller.abort()
    await done
    expect(p.status().state).toBe('stopped')
  })

  it('a set-up that fails says so in the status, warns once per failure kind, backs off and recovers', async () => {
    const driver = scriptedDriver()
    const script = [
      failure('network', null),
      failure('network', null),
      failure('server_error', 502),
      failure('server_error', 502),
    ]
    const attempts: { at: number; state: string; lastError: string | null }[] = []
    const logger = memoryLogger()
    const p = poller({ driver, guard: memoryGuard(), logger })
    driver.prepare = async () => {
      const { state, lastError } = p.status()
      attempts.push({ at: performance.now(), state, lastError })
      const next = script.shift()
      if (next !== undefined) throw scriptedError(next)
    }
    void p.start()
    await waitForState(p, 'polling')
    expect(attempts.map((a) => [a.state, a.lastError])).toEqual([
      ['starting', null],
      ['starting', 'the Telegram Bot API cannot be reached: network (null)'],
      ['starting', 'the Telegram Bot API cannot be reached: network (null)'],
      ['starting', 'the Telegram Bot API answered 502: server_error (502)'],
      ['starting', 'the Telegram Bot API answered 502: server_error (502)'],
    ])
    // errorBackoff 20 ms doubling to 80 ms, half of it random: the floors are 10, 20, 40, 40 ms.
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at)
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual([10, 20, 40, 40][i]! - 2)
    const warnings = logger.lines.filter((l) => l.level === 'warn')
    expect(warnings.map((l) => [l.message, l.fields?.kind])).toEqual([
      ['polling: cannot start: the Telegram Bot API cannot be reached; retrying with back-off', 'network'],
      ['polling: cannot start: the Telegram Bot API answered 502; retrying with back-off', 'server_error'],
    ])
    expect(logger.lines.some((l) => l.level === 'info' && l.message.includes('started after 4 failed'))).toBe(
      true,
    )
    expect(p.status()).toMatchObject({ state: 'polling', lastError: null })
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]))
  })

  it('a set-up attempt that never answers times out, is reported and retried', async () => {
    const driver = scriptedDriver()
    const seen: (string | null)[] = []
    const p = poller({ driver, guard: memoryGuard(), setupTimeoutMs: 100 })
    driver.prepare = () => {
      seen.push(p.status().lastError)
      // The first attempt hangs and ignores its signal, like a request into a half-open connection.
      return seen.length === 1 ? new Promise<void>(() => {}) : Promise.resolve()
    }
    void p.start()
    await waitForState(p, 'polling')
    expect(seen).toEqual([null, 'the Telegram Bot API did not answer in time: no answer within 100 ms'])
  })

  it.each([
    [401, 'Telegram refused the bot token (401)'],
    [404, 'Telegram does not know this bot token (404 Not Found): it is malformed, or the API root is wrong'],
  ])('a %i at set-up fails for good: one error line, no retry, lease released', async (code, reason) => {
    const driver = scriptedDriver()
    const guard = memoryGuard()
    const logger = memoryLogger()
    let prepared = 0
    driver.prepare = async () => {
      prepared++
      throw scriptedError(failure('unauthorized', code))
    }
    const states: PollingState[] = []
    const p = poller({ driver, guard, logger, onStateChange: (s) => states.push(s.state) })
    await p.start()
    expect(p.status()).toMatchObject({ state: 'failed', lastError: reason, leaseHolder: null })
    expect(states).toEqual(['standby', 'starting', 'failed'])
    expect(prepared).toBe(1)
    expect(driver.calls).toEqual([])
    expect(await guard.inspect('polling:1')).toBeNull()
    expect(logger.lines.filter((l) => l.level !== 'info')).toEqual([
      {
        level: 'error',
        message: `polling: ${reason}; polling stopped for good: fix the bot token and restart`,
        fields: { name: 'polling:1', step: 'setup', error: `unauthorized (${code})` },
      },
    ])
    // stop() afterwards keeps the verdict.
    await p.stop()
    expect(p.status().state).toBe('failed')
  })

  it('a 401 on getUpdates (token revoked while polling) fails for good without retrying', async () => {
    const driver = scriptedDriver()
    const guard = memoryGuard()
    const p = poller({ driver, guard })
    driver.failNext(failure('unauthorized', 401))
    await p.start()
    expect(p.status()).toMatchObject({ state: 'failed', lastError: 'Telegram refused the bot token (401)' })
    expect(driver.calls.filter((c) => c.method === 'getUpdates')).toHaveLength(1)
    expect(await guard.inspect('polling:1')).toBeNull()
  })

  it('repeating getUpdates failures are logged once, then recovered with one info line', async () => {
    const driver = scriptedDriver()
    const logger = memoryLogger()
    const p = poller({ driver, guard: memoryGuard(), logger })
    driver.failNext(...Array.from({ length: 5 }, () => failure('network', null)))
    void p.start()
    await vi.waitFor(() => expect(driver.calls.some((c) => c.method === 'getUpdates')).toBe(true))
    driver.push()
    await vi.waitFor(() => expect(driver.handled).toEqual([1]), { timeout: 3000 })
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'polling: getUpdates failed: the Telegram Bot API cannot be reached; retrying with back-off',
    ])
    expect(
      logger.lines.some((l) => l.message === 'polling: getUpdates works again after 5 failed attempt(s)'),
    ).toBe(true)
  })

  it('redacts token-shaped text in errors it reports', async () => {
    const driver = scriptedDriver()
    const token = '123456789:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
    driver.failNext({
      ok: false,
      kind: 'network',
      errorCode: null,
      description: `fetch /bot${token}/getUpdates`,
    })
    const logger = memoryLogger()
    const p = poller({ driver, guard: memoryGuard(), logger })
    void p.start()
    await vi.waitFor(() =>
      expect(logger.lines.some((l) => l.message.includes('getUpdates failed'))).toBe(true),
    )
    expect(JSON.stringify(logger.lines)).not.toContain(token)
    expect(JSON.stringify(p.status())).not.toContain(token)
  })

  it('rejects bad options up front', () => {
    const base = { guard: memoryGuard(), name: 'x', driver: scriptedDriver() }
    expect(() => createGuardedPoller({ ...base, ttlMs: 0 })).toThrow(RangeError)
    expect(() => createGuardedPoller({ ...base, ttlMs: 100, renewEveryMs: 100 })).toThrow(RangeError)
    expect(() => createGuardedPoller({ ...base, timeoutSeconds: 51 })).toThrow(RangeError)
    expect(() => createGuardedPoller({ ...base, conflictBackoff: { jitter: 2 } })).toThrow(RangeError)
    expect(() => createGuardedPoller({ ...base, name: '' })).toThrow(TypeError)
    expect(() => createGuardedPoller({ ...base, setupTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => createGuardedPoller({ ...base, failureLogIntervalMs: -1 })).toThrow(RangeError)
  })
})

describe('pollingBackoffDelayMs', () => {
  it('stays within [window * (1 - jitter), window] and doubles up to the cap', () => {
    const options = { baseMs: 100, capMs: 1000, jitter: 0.5 }
    for (const r of [0, 0.3, 0.999]) {
      expect(pollingBackoffDelayMs(1, options, () => r)).toBeGreaterThanOrEqual(50)
      expect(pollingBackoffDelayMs(1, options, () => r)).toBeLessThanOrEqual(100)
      expect(pollingBackoffDelayMs(3, options, () => r)).toBeGreaterThanOrEqual(200)
      expect(pollingBackoffDelayMs(10, options, () => r)).toBeLessThanOrEqual(1000)
      expect(pollingBackoffDelayMs(10, options, () => r)).toBeGreaterThanOrEqual(500)
    }
  })
})
