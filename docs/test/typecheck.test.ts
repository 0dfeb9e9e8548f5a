/**
 * The guides include their code from `docs/snippets/`; type-checking them against the packages' sources
 * (and this site's own scripts and config) keeps every published example compiling as the APIs change.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))

it('type-checks the snippets, scripts, tests and VitePress config of the docs', async () => {
  const result = await run(tsc, ['-p', 'docs/tsconfig.json', '--noEmit', '--pretty', 'false'], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  )
  expect(result).toBe('')
}, 120_000)
