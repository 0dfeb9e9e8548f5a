/**
 * An in-memory {@link PollingDriver} for the poller's unit tests: a tiny update queue with Telegram's offset
 * semantics, long polls that really wait (and really abort), scripted failures and a log of every call.
 */
import type { TelegramFailure } from '../../src/delivery/types.ts'
import type { GetUpdatesParams, PollingDriver, PollingUpdate } from '../../src/polling/index.ts'

export interface DriverCall {
  method: 'getUpdates' | 'deleteWebhook'
  params?: GetUpdatesParams
  dropPendingUpdates?: boolean
  at: number
  /** How the call ended: `ok`, `aborted` or the failure kind; `pending` while in flight. */
  outcome: string
  /** When a long poll ended (answered or aborted). */
  endedAt?: number
}

class ScriptedError extends Error {
  constructor(readonly failure: TelegramFailure) {
    super(failure.description)
  }
}

/** An error the scripted driver's `classify` turns into exactly `failure` (for scripted `prepare` steps). */
export const scriptedError = (failure: TelegramFailure): Error => new ScriptedError(failure)

export interface ScriptedDriver extends PollingDriver {
  readonly calls: DriverCall[]
  readonly handled: number[]
  /** Queue an update (ids increase from 1). */
  push(count?: number): number[]
  /** The next getUpdates calls fail with these, in order. */
  failNext(...failures: TelegramFailure[]): void
  /** Handlers throw for these update ids. */
  throwOn: Set<number>
  /** Extra work per handled update, in ms. */
  handleDelayMs: number
  /** Called inside each confirm-shaped call (timeout 0, limit 1). */
  onConfirm?: () => void
  /** getUpdates calls with a long-poll timeout currently waiting. */
  readonly inFlight: number
}

export const failure = (
  kind: TelegramFailure['kind'],
  errorCode: number | null,
  extra = {},
): TelegramFailure => ({
  ok: false,
  kind,
  errorCode,
  description: `${kind} (${errorCode})`,
  ...extra,
})

export function scriptedDriver(): ScriptedDriver {
  let nextId = 1
  let queue: PollingUpdate[] = []
  const failures: TelegramFailure[] = []
  const waiters = new Set<() => void>()
  let inFlight = 0

  const driver: ScriptedDriver = {
    calls: [],
    handled: [],
    throwOn: new Set(),
    handleDelayMs: 0,
    get inFlight() {
      return inFlight
    },
    push(count = 1) {
      const ids: number[] = []
      for (let i = 0; i < count; i++) {
        queue.push({ update_id: nextId })
        ids.push(nextId++)
      }
      for (const wake of [...waiters]) wake()
      return ids
    },
    failNext(...list) {
      failures.push(...list)
    },
    async deleteWebhook(dropPendingUpdates) {
      driver.calls.push({ method: 'deleteWebhook', dropPendingUpdates, at: Date.now(), outcome: 'ok' })
      if (dropPendingUpdates) queue = []
    },
    getUpdates(params, signal) {
      const call: DriverCall = { method: 'getUpdates', params, at: Date.now(), outcome: 'pending' }
      driver.calls.push(call)
      if (params.timeout === 0 && params.limit === 1) driver.onConfirm?.()
      if (params.offset !== undefined) queue = queue.filter((u) => u.update_id >= params.offset!)
      const scripted = failures.shift()
      if (scripted !== undefined) {
        call.outcome = scripted.kind
        return Promise.reject(new ScriptedError(scripted))
      }
      const take = () => queue.slice(0, params.limit ?? 100)
      if (queue.length > 0 || params.timeout === 0) {
        call.outcome = 'ok'
        return Promise.resolve(take())
      }
      inFlight++
      return new Promise((resolve, reject) => {
        const finish = (outcome: string) => {
          inFlight--
          call.outcome = outcome
          call.endedAt = Date.now()
          clearTimeout(timer)
          waiters.delete(wake)
          signal.removeEventListener('abort', onAbort)
        }
        const wake = () => {
          finish('ok')
          resolve(take())
        }
        const onAbort = () => {
          finish('aborted')
          reject(new DOMException('This operation was aborted', 'AbortError'))
        }
        const timer = setTimeout(wake, params.timeout * 1000)
        waiters.add(wake)
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      })
    },
    async handleUpdate(update) {
      if (driver.handleDelayMs > 0) await new Promise((r) => setTimeout(r, driver.handleDelayMs))
      driver.handled.push(update.update_id)
      if (driver.throwOn.has(update.update_id)) throw new Error(`handler failed for ${update.update_id}`)
    },
    classify(error) {
      if (error instanceof ScriptedError) return error.failure
      return failure('network', null)
    },
  }
  return driver
}

/** A logger that remembers its lines. */
export function memoryLogger() {
  const lines: { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[] = []
  return {
    lines,
    info: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'info', message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'warn', message, fields }),
    error: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'error', message, fields }),
  }
}
