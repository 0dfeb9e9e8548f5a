/**
 * JSR packaging: every package built on web standards publishes to JSR; the others say why not.
 *
 * A package is web-standard when its own sources import no `node:` module and every runtime dependency runs
 * on Deno and Bun as well as Node (grammY ships a Deno build; croner and valibot are plain ES). The root
 * deno.json makes the JSR packages a Deno workspace, so `@keygram/adapter-grammy` resolves `@keygram/core`
 * to the workspace member here and to `jsr:@keygram/core` once published; `deno publish --dry-run` in each
 * package folder runs JSR's own checks (types, "slow types" in the public API, the file list) offline.
 * The list is kept in step with docs/guide/runtimes.md.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const deno = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url))

/** Published to JSR and npm. */
const JSR_PACKAGES = ['adapter-grammy', 'core']
/** npm only, and why: each needs Node's APIs or a Node-only library. */
const NPM_ONLY: Record<string, string> = {
  'adapter-telegraf': 'Telegraf runs on Node only',
  'server-node': 'the Node server and CLI: node:http, node:fs, h3/node',
  'store-postgres': "pg's TCP client (node:net) and node:crypto",
  'store-redis': "ioredis's TCP client (node:net) and node:crypto",
  'store-sqlite': 'SQLite drivers are runtime-specific native modules',
  testing: 'the fake Bot API is a node:http server run by vitest',
}

// Strips ANSI colours so assertions read Deno's text, whatever the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${root}${file}`, 'utf8')) as Record<string, unknown>
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(`${root}${dir}`, { recursive: true })
  return entries.filter((entry) => entry.endsWith('.ts')).map((entry) => `${dir}/${entry}`)
}

describe('JSR packaging', () => {
  it('decides for every package: JSR, or npm only with a reason', async () => {
    const packages = (await readdir(`${root}packages`)).sort()
    expect([...JSR_PACKAGES, ...Object.keys(NPM_ONLY)].sort()).toEqual(packages)
    const withJsrManifest = []
    for (const name of packages) {
      const files = await readdir(`${root}packages/${name}`)
      if (files.includes('jsr.json') || files.includes('deno.json')) withJsrManifest.push(name)
    }
    expect(withJsrManifest).toEqual(JSR_PACKAGES)
  })

  it('makes the JSR packages one Deno workspace (with the Deno example)', async () => {
    const workspace = (await readJson('deno.json')).workspace as string[]
    expect(workspace.filter((member) => member.startsWith('./packages/')).sort()).toEqual(
      JSR_PACKAGES.map((name) => `./packages/${name}`),
    )
  })

  describe.each(JSR_PACKAGES)('@keygram/%s', (name) => {
    const dir = `packages/${name}`

    it('has the npm name, version and license, and exports its TypeScript entry', async () => {
      const jsr = await readJson(`${dir}/jsr.json`)
      const pkg = await readJson(`${dir}/package.json`)
      expect(jsr.name).toBe(pkg.name)
      expect(jsr.version).toBe(pkg.version)
      expect(jsr.license).toBe(pkg.license)
      expect(jsr.exports).toBe('./src/index.ts')
    })

    it('is web-standard: its sources import no node: module', async () => {
      const nodeImports = []
      for (const file of await sourceFiles(`${dir}/src`)) {
        const text = await readFile(`${root}${file}`, 'utf8')
        for (const match of text.matchAll(/from\s+['"](node:[\w/]+)['"]|import\(\s*['"](node:[\w/]+)['"]/g)) {
          nodeImports.push(`${file}: ${match[1] ?? match[2]}`)
        }
      }
      expect(nodeImports).toEqual([])
    })

    it('passes `deno publish --dry-run` (slow-types check included) and ships only sources', async () => {
      // --allow-dirty: the working tree may hold uncommitted work; the check is about the package content.
      const { stdout, stderr } = await run(deno, ['publish', '--dry-run', '--allow-dirty'], {
        cwd: `${root}${dir}`,
        env: { ...process.env, NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
      })
      const output = plain(`${stdout}\n${stderr}`)
      expect(output).toContain('Checking for slow types in the public API')
      expect(output).toContain(`Simulating publish of @keygram/${name}@`)
      expect(output).toContain('Dry run complete')
      expect(output).not.toMatch(/warning|error\[/i)

      const files = [...output.matchAll(new RegExp(`file://\\S+/packages/${name}/(\\S+)`, 'g'))].map(
        (match) => match[1]!,
      )
      expect(files).toContain('src/index.ts')
      const expected = (await sourceFiles(`${dir}/src`)).map((file) => file.slice(dir.length + 1))
      expect(files.filter((file) => file !== 'jsr.json').sort()).toEqual(expected.sort())
    }, 120_000)
  })
})
