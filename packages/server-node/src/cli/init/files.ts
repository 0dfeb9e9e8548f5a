/**
 * The files `keygram init` writes: `.env` (secrets, readable by the owner only) and a starter
 * `keygram.config.ts` that loads as it is, without a build or an install.
 *
 * @module
 */
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadDotenv } from 'c12'

/** The `.env` of `dir` as name/value pairs (empty when there is none). */
export async function readEnvFile(dir: string): Promise<Record<string, string>> {
  return (await loadDotenv({ cwd: dir, fileName: '.env', env: {}, interpolate: false })) as Record<
    string,
    string
  >
}

// dotenv reads a bare value up to the line's end; anything else goes in double quotes, escaped.
const quoted = (value: string) => (/^[\w:@./~+,-]*$/.test(value) ? value : JSON.stringify(value))

/**
 * Writes `values` into `dir/.env`: a variable already there is replaced in place, a new one appended,
 * every other line kept. The file ends up readable and writable by its owner only (mode 600).
 *
 * @returns whether the file existed before.
 */
export async function writeEnvFile(dir: string, values: Readonly<Record<string, string>>): Promise<boolean> {
  const path = join(dir, '.env')
  const before = await readFile(path, 'utf8').catch(() => null)
  const pending = new Map(Object.entries(values))
  const lines = (before ?? '').split('\n')
  if (lines.at(-1) === '') lines.pop()
  const kept = lines.map((line) => {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1]
    if (name === undefined || !pending.has(name)) return line
    const replaced = `${name}=${quoted(pending.get(name)!)}`
    pending.delete(name)
    return replaced
  })
  const added = [...pending].map(([name, value]) => `${name}=${quoted(value)}`)
  const header =
    before === null ? ['# Written by keygram init. Secrets: keep this file private (mode 600).'] : []
  await writeFile(path, `${[...header, ...kept, ...added].join('\n')}\n`, { mode: 0o600 })
  // `mode` applies only to a new file: an existing one is narrowed too.
  await chmod(path, 0o600)
  return before !== null
}

/** The starter config: comments show the next things a shop sets up; it is valid as it stands. */
export function starterConfig(): string {
  // One string per line (not a template literal): a bundler's output then has no line that starts with
  // `import`, which tools scanning the bundle for imports would take for a real one.
  return [
    '// keygram.config.ts, written by keygram init. Secrets stay in .env; this file holds the rest.',
    "// It loads as it is, with no build and no install: the server provides '@keygram/server-node'.",
    '// Routes, templates and status names: see "Routing and templates" in the Keygram docs.',
    "import { defineKeygramConfig } from '@keygram/server-node'",
    '',
    'export default defineKeygramConfig({',
    '  // Every event goes to KEYGRAM_CHAT_ID (in .env). Finer routes, e.g. one forum topic per event kind:',
    "  // routes: [{ chatId: -1001234567890, threadId: 7, kinds: ['order_status'], statusIds: [3, 4] }],",
    '  //',
    '  // Status names. With KEYCRM_API_KEY they come from KeyCRM; without it, name them here (else "#20"):',
    "  // format: { statuses: { order: { 1: { name: 'Новий' }, 20: { name: 'Відправлено' } } } },",
    '  //',
    "  // Yesterday's orders every morning at 9 (the webhook role sends it):",
    "  // digests: [{ chatId: -1001234567890, cron: '0 9 * * *' }],",
    '})',
    '',
  ].join('\n')
}

/** Writes the starter config unless `dir` already has one. Resolves whether it was written. */
export async function writeStarterConfig(dir: string): Promise<boolean> {
  try {
    await writeFile(join(dir, 'keygram.config.ts'), starterConfig(), { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false
    throw error
  }
}
