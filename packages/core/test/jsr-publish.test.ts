import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const deno = fileURLToPath(new URL('../../../node_modules/.bin/deno', import.meta.url))

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../${file}`, import.meta.url), 'utf8')) as Record<string, unknown>
}

// Strips ANSI colours so assertions read Deno's text, whatever the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

describe('JSR package @keygram/core', () => {
  it('has the npm package name and version, and exports the TypeScript entry', async () => {
    const jsr = await readJson('jsr.json')
    const pkg = await readJson('package.json')
    expect(jsr.name).toBe(pkg.name)
    expect(jsr.version).toBe(pkg.version)
    expect(jsr.exports).toBe('./src/index.ts')
    expect(jsr.license).toBe(pkg.license)
  })

  it('passes `deno publish --dry-run` (slow-types check included) and ships only sources', async () => {
    // --allow-dirty: the working tree may hold uncommitted work; the check is about the package content.
    const { stdout, stderr } = await run(deno, ['publish', '--dry-run', '--allow-dirty'], {
      cwd: packageDir,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    })
    const output = plain(`${stdout}\n${stderr}`)
    expect(output).toContain('Checking for slow types in the public API')
    expect(output).toContain('Dry run complete')
    expect(output).not.toMatch(/warning|error\[/i)

    const files = [...output.matchAll(/file:\/\/\S+\/packages\/core\/(\S+)/g)].map((match) => match[1]!)
    expect(files).toContain('src/index.ts')
    expect(files.length).toBeGreaterThan(10)
    const unexpected = files.filter((file) => !(file === 'jsr.json' || /^src\/.+\.ts$/.test(file)))
    expect(unexpected).toEqual([])
    expect(files.some((file) => /\.test\.ts$/.test(file))).toBe(false)
  }, 120_000)
})
