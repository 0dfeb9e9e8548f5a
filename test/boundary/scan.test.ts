/**
 * No file of the repository names a path outside it (scripts/repo-boundary.ts), and the scan itself catches
 * what it must. The paths below are assembled from pieces so this file does not trip its own scan.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import {
  findOutsideReaches,
  findReachesInText,
  formatReaches,
  isScanned,
  listRepositoryFiles,
} from '../../scripts/repo-boundary.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))
const script = fileURLToPath(new URL('../../scripts/repo-boundary.ts', import.meta.url))
const up = (steps: number) => '../'.repeat(steps)
const sharedFolder = ['shared', 'keycrm', 'payloads'].join('/')
const workspace = `/${'work'}/main`

const temps: string[] = []
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('repository boundary', () => {
  it('no source, test, script, config or doc names a path outside the repository', () => {
    const reaches = findOutsideReaches(root)
    expect(formatReaches(reaches)).toBe('')
  })

  it('scans every kind of file a path can hide in, and enough of them to mean something', () => {
    for (const file of [
      'packages/core/test/stock/parse.test.ts',
      'scripts/node24.mjs',
      'packages/core/jsr.json',
      'packages/server-node/docker/Dockerfile',
      '.ci/run',
      'examples/docker-compose/compose.yaml',
      'docs/guide/runtimes.md',
      'deno.json',
    ]) {
      expect(isScanned(file), file).toBe(true)
    }
    expect(isScanned('pnpm-lock.yaml')).toBe(false)
    expect(isScanned('docs/public/logo.png')).toBe(false)
    const scanned = listRepositoryFiles(root).filter(isScanned)
    expect(scanned).toContain('packages/core/test/stock/parse.test.ts')
    expect(scanned.length).toBeGreaterThan(300)
  })

  it('flags a relative path that leaves the repository, with its line', () => {
    const file = 'packages/core/test/stock/parse.test.ts'
    const text = `import x from 'y'\nreadFileSync(new URL('${up(5)}${sharedFolder}/stock.json', import.meta.url))\n`
    const reaches = findReachesInText(root, file, text)
    expect(reaches).toContainEqual({
      file,
      line: 2,
      path: `${up(5)}${sharedFolder}/stock.json`,
      reason: 'a relative path that leaves the repository',
    })
    // One step fewer stays inside: packages/core/test/stock + 4 up is the repository root.
    expect(findReachesInText(root, file, `new URL('${up(4)}bench/lib/results.ts', import.meta.url)`)).toEqual(
      [],
    )
  })

  it('flags a bare `..` that climbs out and template paths, but not an ellipsis', () => {
    expect(findReachesInText(root, 'scripts/x.mjs', "new URL('..', import.meta.url)")).toEqual([])
    expect(findReachesInText(root, 'x.mjs', "new URL('..', import.meta.url)")).toHaveLength(1)
    const templatePath = ['join(dir, `../../$', '{name}.json`)'].join('')
    expect(findReachesInText(root, 'a/x.ts', templatePath)).toHaveLength(1)
    expect(findReachesInText(root, 'x.md', 'and so on... then ..., done')).toEqual([])
  })

  it('flags absolute paths into the development workspace and the shared KeyCRM folder', () => {
    const reaches = findReachesInText(
      root,
      'bench/x.ts',
      `const a = '${workspace}/x.json'\n// see ${sharedFolder}/order.json\nconst b = '/tmp/keygram-ci.log'`,
    )
    expect(reaches.map((reach) => [reach.line, reach.path])).toEqual([
      [1, `${workspace}/x.json`],
      [2, `${sharedFolder}/order.json`],
    ])
  })

  it('the command fails naming the file and line of each reach', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'keygram-boundary-'))
    temps.push(repo)
    await run('git', ['init', '-q'], { cwd: repo })
    await mkdir(join(repo, 'src'))
    await writeFile(join(repo, 'src/ok.ts'), "export const a = new URL('../README.md', import.meta.url)\n")
    await writeFile(
      join(repo, 'src/bad.ts'),
      `// fixture\nexport const b = '${up(2)}${sharedFolder}/a.json'\n`,
    )

    const failure = await run(process.execPath, ['--import', tsx, script, repo]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toContain(`src/bad.ts:2: ${up(2)}${sharedFolder}/a.json`)
    expect(failure?.stderr).not.toContain('src/ok.ts')

    await rm(join(repo, 'src/bad.ts'))
    const { stdout } = await run(process.execPath, ['--import', tsx, script, repo])
    expect(stdout).toContain('no file reaches outside the repository')
  }, 30_000)
})
