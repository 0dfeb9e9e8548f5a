// Runs the core's public-API smoke test under Deno and Bun (installed from npm as dev dependencies),
// proving @keygram/core runs on web standards alone. Node runs the same file through vitest.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const smoke = 'test-runtime/smoke.ts'
const runtimes = [
  // No --allow-* flags: the core needs no file, network or environment access.
  ['deno', ['run', '--no-prompt', smoke]],
  ['bun', ['run', smoke]],
]

let failed = false
for (const [name, args] of runtimes) {
  const bin = `${root}node_modules/.bin/${name}`
  const result = spawnSync(bin, args, {
    cwd: `${root}packages/core`,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  process.stdout.write(result.stdout ?? '')
  if (result.status !== 0) {
    console.error(`✖ core smoke test failed under ${name} (exit ${result.status ?? result.signal})`)
    failed = true
  } else if (!/^smoke: \d+ passed$/m.test(result.stdout ?? '')) {
    // Exit 0 without the summary: the runtime stopped before the checks finished.
    console.error(`✖ core smoke test under ${name} exited before it finished`)
    failed = true
  } else {
    console.log(`✔ core smoke test passed under ${name}`)
  }
}
process.exit(failed ? 1 : 0)
