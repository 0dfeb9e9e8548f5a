/** Two-way actions in the configuration, and `keygram audit`'s time window. */
import { describe, expect, it } from 'vitest'
import { sinceTime } from '../src/cli/audit.ts'
import { ConfigError, type EnvRecord, resolveConfig } from '../src/config/index.ts'
import { configSecrets } from '../src/logging/index.ts'

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Sk'
const SECRET = 'f3a9c1d27b8e4f60a1b2c3d4e5f60718'
const BASE: EnvRecord = { TELEGRAM_BOT_TOKEN: TOKEN, KEYGRAM_WEBHOOK_SECRET: SECRET }
const FILE = { configFileLabel: 'keygram.config.ts' }

function problemsOf(file: unknown, env: EnvRecord): string[] {
  try {
    resolveConfig(file, env, FILE)
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems]
    throw error
  }
  return []
}

describe('actions in the configuration', () => {
  it('takes the rules, signs with a secret derived from the webhook secret by default, and redacts it', () => {
    const config = resolveConfig(
      { actions: [{ from: { statusGroups: ['delivery'] }, to: ['Виконано'], who: ['chatAdmins', 12345] }] },
      { ...BASE, KEYCRM_API_KEY: 'k'.repeat(40) },
      FILE,
    )
    expect(config.actions.rules).toHaveLength(1)
    expect(config.actions.secret).toBe(SECRET)
    const own = resolveConfig(
      { actions: [{ to: [5] }] },
      { ...BASE, KEYCRM_API_KEY: 'k'.repeat(40), KEYGRAM_ACTIONS_SECRET: 'b'.repeat(32) },
      FILE,
    )
    expect(own.actions.secret).toBe('b'.repeat(32))
    expect(configSecrets(own)).toContain('b'.repeat(32))
    expect(resolveConfig({}, BASE, FILE).actions.rules).toEqual([])
  })

  it('refuses actions without a KeyCRM API key, and names each problem of a rule with its path', () => {
    expect(problemsOf({ actions: [{ to: [5] }] }, BASE)).toEqual([
      "keygram.config.ts: actions: buttons change orders through KeyCRM's API, so KEYCRM_API_KEY is required (Settings -> API in KeyCRM)",
    ])
    const problems = problemsOf(
      {
        actions: [
          { to: [] },
          { to: [5], who: ['everyone'] },
          { entity: 'lead', from: { statusGroups: [6] }, to: [9] },
        ],
      },
      { ...BASE, KEYCRM_API_KEY: 'k'.repeat(40) },
    )
    expect(problems).toEqual([
      'keygram.config.ts: actions[0].to: expected at least one status to move to',
      'keygram.config.ts: actions[1].who[0]: expected "admins", "chatAdmins" or a Telegram user id',
      'keygram.config.ts: actions[2].from.statusGroups: funnel cards have no status groups; use statusIds or statusNames',
    ])
  })
})

describe('keygram audit --since', () => {
  it('reads a duration back from now or a date, and nothing else', () => {
    const now = Date.UTC(2026, 11, 7, 12)
    expect(sinceTime('30m', now)).toBe(now - 30 * 60_000)
    expect(sinceTime('24h', now)).toBe(now - 86_400_000)
    expect(sinceTime('7d', now)).toBe(now - 7 * 86_400_000)
    expect(sinceTime('2026-12-01', now)).toBe(Date.UTC(2026, 11, 1))
    expect(sinceTime('yesterday', now)).toBeNull()
  })
})
