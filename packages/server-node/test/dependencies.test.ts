/**
 * Every dependency earns its place: a user installs only the Telegram framework the bot runs, and a missing
 * one is a clear error naming the package to install.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KEYGRAM_BIN } from './helpers/child.ts'

const HIDE = fileURLToPath(new URL('./fixtures/hide-packages.mjs', import.meta.url))

interface Manifest {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const manifest = (pkg: string) =>
  JSON.parse(readFileSync(new URL(`../../${pkg}/package.json`, import.meta.url), 'utf8')) as Manifest

/** Runs `keygram serve --role bot` with `hidden` packages missing; resolves its exit code and output. */
function serveBotWithout(
  hidden: string,
  framework: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', HIDE, KEYGRAM_BIN, 'serve', '--role', 'bot'], {
    env: {
      PATH: process.env.PATH ?? '',
      KEYGRAM_TEST_HIDDEN_PACKAGES: hidden,
      KEYGRAM_BOT_FRAMEWORK: framework,
      TELEGRAM_BOT_TOKEN: `123456789:${'A'.repeat(35)}`,
      // Never reached: the framework is missing before anything is sent.
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      KEYGRAM_WEBHOOK_SECRET: 'dependencies-test-secret-0123456789',
      KEYGRAM_STORE: 'memory:',
      KEYGRAM_HOST: '127.0.0.1',
      BOT_PORT: '0',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })))
}

describe('@keygram/server-node dependencies', () => {
  it('asks for grammY and Telegraf as optional peers, so neither is installed unless chosen', () => {
    const server = manifest('server-node')
    for (const framework of ['grammy', 'telegraf']) {
      expect(server.dependencies).not.toHaveProperty(framework)
      expect(server.peerDependencies).toHaveProperty(framework)
      expect(server.peerDependenciesMeta?.[framework]?.optional).toBe(true)
      // The bundle and the Docker image build from the workspace, where both are installed.
      expect(server.devDependencies).toHaveProperty(framework)
      // The adapters come with the server; a required peer of theirs would be installed all the same.
      expect(manifest(`adapter-${framework}`).peerDependenciesMeta?.[framework]?.optional).toBe(true)
    }
    expect(server.dependencies).not.toHaveProperty('listhen')
  })

  it.each([
    ['grammy', 'grammy', 'telegraf'],
    ['telegraf', 'telegraf', 'grammy'],
  ])(
    'a bot on %s without the package installed names the package to install',
    {
      timeout: 30_000,
    },
    async (framework, missing, other) => {
      const { code, output } = await serveBotWithout(missing, framework)
      expect(code).toBe(1)
      const fatal = output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .at(-1)
      expect(fatal?.level).toBe('fatal')
      expect(fatal?.msg).toContain(`the "${missing}" package is not installed`)
      expect(fatal?.msg).toContain(`npm install ${missing}`)
      expect(fatal?.msg).toContain(`KEYGRAM_BOT_FRAMEWORK=${other}`)
    },
  )
})
