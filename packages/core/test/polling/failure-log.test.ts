import { describe, expect, it } from 'vitest'
import type { Clock } from '../../src/delivery/clock.ts'
import { createFailureLog } from '../../src/polling/failure-log.ts'
import { failure, memoryLogger } from './scripted-driver.ts'

function manualClock(): Clock & { at: number } {
  return {
    at: 0,
    now() {
      return this.at
    },
    sleep: () => Promise.resolve(),
  }
}

describe('createFailureLog', () => {
  it('logs the first failure of a kind, then at most one line per interval, counting the ones between', () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const log = createFailureLog({ logger, name: 'polling:1', clock, intervalMs: 60_000 })
    for (const at of [0, 1000, 3000, 7000, 59_999, 60_000, 90_000, 120_001]) {
      clock.at = at
      log.failed('setup', failure('network', null), 1000)
    }
    expect(
      logger.lines.map((l) => [l.fields?.failingForS, l.fields?.attempt, l.fields?.unloggedRetries]),
    ).toEqual([
      [0, 1, 0],
      [60, 6, 4],
      [120, 8, 1],
    ])
    expect(logger.lines.every((l) => l.level === 'warn')).toBe(true)
  })

  it('logs a new failure kind at once, and steps separately', () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const log = createFailureLog({ logger, name: 'polling:1', clock, intervalMs: 60_000 })
    log.failed('setup', failure('network', null), 1000)
    clock.at = 1000
    log.failed('setup', failure('server_error', 500), 2000)
    log.failed('setup', failure('network', null), 2000)
    log.failed('getUpdates', failure('network', null), 2000)
    expect(logger.lines.map((l) => l.message)).toEqual([
      'polling: cannot start: the Telegram Bot API cannot be reached; retrying with back-off',
      'polling: cannot start: the Telegram Bot API answered 500; retrying with back-off',
      'polling: getUpdates failed: the Telegram Bot API cannot be reached; retrying with back-off',
    ])
  })

  it('says once that a step works again, and starts a new episode after it', () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const log = createFailureLog({ logger, name: 'polling:1', clock, intervalMs: 60_000 })
    log.recovered('setup')
    expect(logger.lines).toEqual([])
    log.failed('setup', failure('network', null), 1000)
    clock.at = 5000
    log.failed('setup', failure('network', null), 2000)
    log.recovered('setup')
    log.recovered('setup')
    expect(logger.lines.filter((l) => l.level === 'info')).toEqual([
      {
        level: 'info',
        message: 'polling: started after 2 failed attempt(s)',
        fields: { name: 'polling:1', failedForS: 5 },
      },
    ])
    log.failed('setup', failure('network', null), 1000)
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(2)
  })
})
