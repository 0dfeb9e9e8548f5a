import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, matchesGlob } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dockerfileForOlderEngine } from './older-engine.ts'
import {
  type DockerInstruction,
  dockerStages,
  healthcheckSource,
  parseDockerfile,
  parseEnvArgs,
  splitFlags,
} from './parse-dockerfile.ts'
import { composeDir, readRepoFile } from './paths.ts'

const instructions = parseDockerfile(readRepoFile('Dockerfile'))
const { globals, stages } = dockerStages(instructions)
const runtime = stages.at(-1)?.instructions ?? []

function runtimeOnly(keyword: string): DockerInstruction {
  const found = runtime.filter((instruction) => instruction.keyword === keyword)
  expect(found, keyword).toHaveLength(1)
  return found[0] as DockerInstruction
}

function argDefault(name: string): string | undefined {
  const all = [...globals, ...stages.flatMap((stage) => stage.instructions)]
  const arg = all.find(
    (instruction) => instruction.keyword === 'ARG' && instruction.args.startsWith(`${name}=`),
  )
  return arg?.args.slice(name.length + 1)
}

/** The script the image runs as its health check, from the file the Dockerfile copies. */
const healthcheckScript = readRepoFile(healthcheckSource(readRepoFile('Dockerfile')))

describe('Dockerfile', () => {
  it('builds in one stage and runs from a slim Node 20+ image in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const nodeVersion = Number(argDefault('NODE_VERSION'))
    expect(nodeVersion).toBeGreaterThanOrEqual(20)
    expect(stages.map((stage) => stage.image)).toEqual(
      ['BUILD_IMAGE', 'RUNTIME_IMAGE'].map((name) => `\${${name}}`),
    )
  })

  it('takes its base images as build arguments, the official slim Node images by default', () => {
    for (const name of ['BUILD_IMAGE', 'RUNTIME_IMAGE']) {
      expect(globals.map((instruction) => instruction.args)).toContain(`${name}=node:\${NODE_VERSION}-slim`)
    }
  })

  it('needs only two documented changes to build on Docker Engine 20.10', () => {
    const published = readRepoFile('Dockerfile')
    const older = dockerfileForOlderEngine(published)
    expect(older).not.toMatch(/^#\s*syntax=/m)
    expect(older).not.toContain('--start-interval')
    // Nothing else differs: the same instructions, the health check without its start interval.
    const strip = (text: string) =>
      parseDockerfile(text).map(
        ({ keyword, args }) => `${keyword} ${args.replace(/ --start-interval=\S+/, '')}`,
      )
    expect(strip(older)).toEqual(strip(published))
    // Engine 20.10's builder knows no heredocs.
    expect(parseDockerfile(published).every((instruction) => instruction.heredocs.length === 0)).toBe(true)
  })

  it('installs from the lockfile with the pnpm the repository pins, then bundles with tsup', () => {
    const build = stages[0]?.instructions ?? []
    const runs = build
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((instruction) => instruction.args)
    const packageManager = JSON.parse(readRepoFile('package.json')).packageManager as string
    expect(`pnpm@${argDefault('PNPM_VERSION')}`).toBe(packageManager)
    expect(runs.some((run) => /pnpm install --frozen-lockfile\b/.test(run))).toBe(true)
    expect(runs.some((run) => /pnpm --filter @keygram\/server-node run bundle/.test(run))).toBe(true)
    const serverPackage = JSON.parse(readRepoFile('packages/server-node/package.json'))
    expect(serverPackage.scripts.bundle).toBe('tsup')
  })

  it('ships only the bundle folder and the health check script into the runtime image', () => {
    const copies = runtime.filter((instruction) => instruction.keyword === 'COPY')
    expect(copies).toHaveLength(2)
    const { flags, rest } = splitFlags(copies[0]?.args ?? '')
    expect(flags.from).toBe(stages[0]?.name)
    expect(rest).toBe('/src/packages/server-node/bundle/ /app/')
    expect(copies[1]?.args).toBe(`${healthcheckSource(readRepoFile('Dockerfile'))} /app/healthcheck.mjs`)
  })

  it("builds the SQLite binding against the image's own Node headers when the prebuilt one cannot be had", () => {
    const env = parseEnvArgs(
      stages[0]?.instructions.find((instruction) => instruction.keyword === 'ENV')?.args ?? '',
    )
    expect(env.npm_config_nodedir).toBe('/usr/local')
  })

  it('runs as the unprivileged node user', () => {
    const user = runtimeOnly('USER')
    expect(user.args).toBe('node')
    const entrypoint = runtimeOnly('ENTRYPOINT')
    expect(user.line).toBeLessThan(entrypoint.line)
  })

  it('keeps the SQLite store on the /data volume, writable by that user', () => {
    expect(runtimeOnly('VOLUME').args).toBe('/data')
    const env = parseEnvArgs(runtimeOnly('ENV').args)
    expect(env.KEYGRAM_STORE).toBe('sqlite:/data/keygram.db')
    const chown = runtime.find(
      (instruction) => instruction.keyword === 'RUN' && /chown node:node \/data/.test(instruction.args),
    )
    expect(chown).toBeDefined()
    expect(chown?.line).toBeLessThan(runtimeOnly('VOLUME').line)
  })

  it("ships V8's compile cache of the bundle, made as the node user with the entrypoint's flags", () => {
    const env = parseEnvArgs(runtimeOnly('ENV').args)
    const made = runtime.find(
      (instruction) => instruction.keyword === 'RUN' && instruction.args.includes('NODE_COMPILE_CACHE='),
    )
    expect(made?.args).toContain('runuser -u node --')
    expect(made?.args).toContain(`mv /tmp/compile-cache ${env.NODE_COMPILE_CACHE}`)
    const [, ...flags] = JSON.parse(runtimeOnly('ENTRYPOINT').args) as string[]
    expect(made?.args).toContain(`node ${flags.join(' ')} --help`)
  })

  it('exposes the webhook and bot ports the server defaults to', () => {
    expect(runtimeOnly('EXPOSE').args.split(/\s+/)).toEqual(['9000', '9001'])
    const env = parseEnvArgs(runtimeOnly('ENV').args)
    expect(env.WEBHOOK_PORT).toBe('9000')
    expect(env.BOT_PORT).toBe('9001')
  })

  it('starts the bundled CLI with serve as the default command', () => {
    // A small young generation keeps an idle container's memory low (see the Dockerfile's comment).
    expect(JSON.parse(runtimeOnly('ENTRYPOINT').args)).toEqual([
      'node',
      '--max-semi-space-size=2',
      '/app/keygram.mjs',
    ])
    expect(JSON.parse(runtimeOnly('CMD').args)).toEqual(['serve'])
  })

  it('checks health with the Node script, no curl needed', () => {
    const { flags, rest } = splitFlags(runtimeOnly('HEALTHCHECK').args)
    expect(flags).toEqual({
      interval: '60s',
      timeout: '5s',
      'start-period': '30s',
      'start-interval': '5s',
      retries: '5',
    })
    expect(rest.startsWith('CMD ')).toBe(true)
    expect(JSON.parse(rest.slice(4))).toEqual(['node', '/app/healthcheck.mjs'])
    expect(healthcheckScript).toContain('/healthz`')
    expect(healthcheckScript).not.toMatch(/curl|wget/)
  })

  it('is the image the compose files run', () => {
    const compose = parse(readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8'), { merge: true })
    for (const name of ['webhook-server', 'telegram-bot']) {
      const [, , script] = compose.services[name].healthcheck.test as string[]
      expect(script).toBe(JSON.parse(splitFlags(runtimeOnly('HEALTHCHECK').args).rest.slice(4))[1])
    }
  })
})

describe('.dockerignore', () => {
  const rules = readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))

  /** Docker's rule: the last matching pattern wins; a pattern matching a folder excludes what is inside. */
  function ignored(path: string): boolean {
    const parts = path.split('/')
    const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'))
    let result = false
    for (const rule of rules) {
      const negated = rule.startsWith('!')
      const pattern = (negated ? rule.slice(1) : rule).replace(/^\//, '')
      if (prefixes.some((prefix) => matchesGlob(prefix, pattern))) result = !negated
    }
    return result
  }

  it.each([
    'node_modules/.pnpm/x/index.js',
    'packages/core/node_modules/valibot/package.json',
    'packages/core/dist/index.mjs',
    'packages/server-node/bundle/keygram.mjs',
    '.git/HEAD',
    '.env',
    'examples/docker-compose/.env',
    'examples/docker-compose/certs/privkey.pem',
    'packages/server-node/test/deploy/compose.test.ts',
  ])('keeps %s out of the build context', (path) => {
    expect(ignored(path)).toBe(true)
  })

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '.npmrc',
    'tsconfig.json',
    'tsconfig.base.json',
    'packages/core/package.json',
    'packages/store-sqlite/src/index.ts',
    'packages/server-node/tsup.config.ts',
    'packages/server-node/src/cli.ts',
    'packages/server-node/docker/healthcheck.mjs',
    'examples/docker-compose/.env.example',
  ])('sends %s to the build', (path) => {
    expect(ignored(path)).toBe(false)
  })
})

describe('the image health check script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygram-healthcheck-'))
  const script = join(dir, 'healthcheck.mjs')
  const servers: Server[] = []

  /** A server answering `/healthz` with `status`, or never answering when `status` is `null`. */
  async function listen(status: number | null): Promise<string> {
    const server = createServer((request, response) => {
      if (status === null) return
      response.statusCode = request.url === '/healthz' ? status : 404
      response.end()
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return String((server.address() as AddressInfo).port)
  }

  /** A port nothing listens on: bound, then released. */
  async function closedPort(): Promise<string> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = String((server.address() as AddressInfo).port)
    await new Promise((resolve) => server.close(resolve))
    return port
  }

  function check(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, out }))
    })
  }

  let up = ''
  let failing = ''
  let closed = ''
  let hung = ''

  beforeAll(async () => {
    writeFileSync(script, healthcheckScript)
    up = await listen(200)
    failing = await listen(503)
    closed = await closedPort()
    hung = await listen(null)
  })

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    rmSync(dir, { recursive: true, force: true })
  })

  it('passes when the named port answers 200 on /healthz', async () => {
    expect(await check([up])).toEqual({ code: 0, out: `${up} up\n` })
  })

  it('fails when the named port answers 503 (a bot stuck in a polling conflict)', async () => {
    expect(await check([failing])).toEqual({ code: 1, out: `${failing} failing 503\n` })
  })

  it('fails when nothing listens on the named port', async () => {
    expect((await check([closed])).code).toBe(1)
  })

  it('fails within its own 4 s budget when the server accepts but never answers', async () => {
    const startedAt = Date.now()
    expect(await check([hung])).toEqual({ code: 1, out: `${hung} timed out\n` })
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    // A hung role is not mistaken for one that is simply not running.
    expect((await check([], { WEBHOOK_PORT: up, BOT_PORT: hung })).code).toBe(1)
  })

  it('without arguments passes for a single role: one port up, the other closed', async () => {
    expect((await check([], { WEBHOOK_PORT: up, BOT_PORT: closed })).code).toBe(0)
    expect((await check([], { WEBHOOK_PORT: closed, BOT_PORT: up })).code).toBe(0)
  })

  it('without arguments fails when a role answers with an error, or nothing runs', async () => {
    expect((await check([], { WEBHOOK_PORT: up, BOT_PORT: failing })).code).toBe(1)
    expect((await check([], { WEBHOOK_PORT: closed, BOT_PORT: closed })).code).toBe(1)
  })
})
