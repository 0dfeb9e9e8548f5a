/**
 * `@keygram/testing` works from its published package, not only inside this workspace: the package is
 * packed, the tarball unpacked into a temp project's node_modules beside links to the workspace's built
 * core, grammY adapter and SQLite store, and that project runs one multi-process scenario of the adapter
 * suite with its own vitest run. The tarball carries no sources and tsx is out of its reach, so the
 * children can only have started from `dist/child-poller.mjs` in plain Node.
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const packages = fileURLToPath(new URL('../../../', import.meta.url))
const workspace = join(packages, '..')
const testingDir = join(packages, 'testing')
const fixture = fileURLToPath(new URL('../fixtures/packed-consumer/', import.meta.url))
const scenario = 'sqlite: SIGTERM'

/** Fails (never skips) when a package the consumer needs is unbuilt, or when the packed dist is stale. */
function expectBuilt(): void {
  for (const name of ['testing', 'core', 'adapter-grammy', 'store-sqlite']) {
    const built = join(packages, name, 'dist', 'index.mjs')
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`pnpm build\` first`)
  }
  const builtAt = statSync(join(testingDir, 'dist', 'index.mjs')).mtimeMs
  const sources = readdirSync(join(testingDir, 'src'), { recursive: true, withFileTypes: true })
  const newer = sources.filter(
    (entry) => entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > builtAt,
  )
  if (newer.length > 0) {
    throw new Error(
      `packages/testing/dist is older than ${newer[0]?.name}: run \`pnpm --filter @keygram/testing build\``,
    )
  }
}

function run(command: string, args: string[], options: SpawnOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`)
  return result.stdout
}

/** Runs the consumer's vitest in `root`; resolves with its exit code and output. */
function runConsumerVitest(root: string, args: string[]): Promise<{ code: number | null; output: string }> {
  // The consumer's run must not take this worker's vitest settings for its own.
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'FORCE_COLOR'),
    ),
    NO_COLOR: '1',
  }
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

interface JsonReport {
  numFailedTests: number
  testResults: { assertionResults: { fullName: string; status: string }[] }[]
}

describe('@keygram/testing from its packed tarball', () => {
  const project = mkdtempSync(join(tmpdir(), 'keygram-packed-'))
  afterAll(() => rmSync(project, { recursive: true, force: true }))

  it(`runs the adapter suite's child pollers from dist with plain Node (${scenario})`, async () => {
    expectBuilt()
    run('pnpm', ['pack', '--pack-destination', project], { cwd: testingDir })
    const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'))
    expect(tarball, 'pnpm pack wrote a tarball').toBeDefined()
    const tarballPath = join(project, tarball!)
    const files = run('tar', ['-tzf', tarballPath]).split('\n').filter(Boolean)
    expect(files).toContain('package/dist/child-poller.mjs')
    expect(files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.mts'))).toEqual([])

    const modules = join(project, 'node_modules')
    const installed = join(modules, '@keygram', 'testing')
    mkdirSync(installed, { recursive: true })
    run('tar', ['-xzf', tarballPath, '-C', installed, '--strip-components=1'])
    for (const name of ['core', 'adapter-grammy', 'store-sqlite']) {
      symlinkSync(join(packages, name), join(modules, '@keygram', name), 'dir')
    }
    for (const name of ['grammy', 'vitest']) {
      symlinkSync(realpathSync(join(workspace, 'node_modules', name)), join(modules, name), 'dir')
    }
    cpSync(fixture, project, { recursive: true })

    const fromPackage = createRequire(join(installed, 'dist', 'index.mjs'))
    expect(() => fromPackage.resolve('tsx'), 'tsx must be out of the packed package reach').toThrow()
    expect(dirname(fromPackage.resolve('@keygram/core'))).toBe(join(packages, 'core', 'dist'))

    const report = join(project, 'report.json')
    const { code, output } = await runConsumerVitest(project, [
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      '-t',
      scenario,
    ])
    expect(existsSync(report), `the consumer's vitest wrote no report:\n${output}`).toBe(true)
    const results = (JSON.parse(readFileSync(report, 'utf8')) as JsonReport).testResults.flatMap(
      (file) => file.assertionResults,
    )
    const ran = results.filter((result) => result.status !== 'skipped' && result.status !== 'pending')
    expect(
      ran.map((result) => [result.fullName, result.status]),
      output,
    ).toEqual([[expect.stringContaining(scenario), 'passed']])
    expect(code, output).toBe(0)
    const measured = output.split('\n').find((line) => line.includes('SIGTERM failover'))
    if (measured !== undefined) console.info(`packed package: ${measured.trim()}`)
  })
})
