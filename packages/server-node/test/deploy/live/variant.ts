/**
 * The live test of one published compose file: bring it up against the fake Bot API, check what the issue
 * promises, replay the seed's redeploy, take it down, and record the numbers. Each variant's test file calls
 * {@link describeDeployment} with its own file and shape.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import type { FakeBotApi } from '@keygram/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sampleWebhooks } from '../../../src/samples.ts'
import { composeDir } from '../paths.ts'
import {
  baselineMsToListen,
  gracePeriodMs,
  healthBudgetMs,
  median,
  msToListen,
  postJson,
  selfSignedCertificate,
  stockImport,
  stopRecords,
  TEST_DOMAIN,
  type TlsEntrance,
} from './checks.ts'
import { ComposeDeployment, type ContainerState } from './deployment.ts'
import { docker } from './docker.ts'
import { IMAGES } from './images.ts'
import { forceRecreate, handover, type RedeployOutcome, scaleUpAndDown } from './redeploy.ts'
import { rounded, saveSection } from './report.ts'
import { startFakeTelegram } from './telegram.ts'

/** A published compose file and what it runs. */
export interface VariantOptions {
  /** Short name: the report section and the compose project's suffix. */
  name: string
  /** The file in examples/docker-compose/. */
  file: string
  /** The TLS entrance the file runs. */
  proxy: 'nginx' | 'caddy'
  /** Containers per service once up. */
  expected: Record<string, number>
}

const KEYGRAM_SERVICES = ['webhook-server', 'telegram-bot']
const CHAT_ID = '-1001234567890'
const STOCK_ROWS = 20_000

/** Adds the `local_certs` global option: Caddy's own CA signs the certificate, as the Caddyfile's comment says. */
function caddyfileWithLocalCerts(): string {
  const published = readFileSync(join(composeDir, 'caddy', 'Caddyfile'), 'utf8')
  return `{\n\tlocal_certs\n\tskip_install_trust\n}\n\n${published}`
}

/** Defines the live test of one variant. */
export function describeDeployment(options: VariantOptions): void {
  const secret = randomBytes(24).toString('hex')
  const bots = options.expected['telegram-bot'] ?? 1
  const measured: Record<string, unknown> = { file: options.file }
  let fake: FakeBotApi
  let deployment: ComposeDeployment
  let entrance: TlsEntrance
  let started: ContainerState[] = []
  let failed = false

  /** Keygram containers started together with others (`up`, redeploys): process start to listening, in ms. */
  const concurrentStarts: number[] = []
  const recordConcurrentStarts = async (containers: ContainerState[]): Promise<void> => {
    for (const container of containers) {
      if (KEYGRAM_SERVICES.includes(container.service))
        concurrentStarts.push(await msToListen(container.name))
    }
    measured.ready_in_deploys_ms = {
      starts: concurrentStarts.length,
      median: median(concurrentStarts),
      max: Math.max(...concurrentStarts),
    }
  }

  const proxyContainer = async (): Promise<string> => {
    const [proxy] = await deployment.running(options.proxy)
    if (!proxy) throw new Error(`no running ${options.proxy} container`)
    return proxy.name
  }

  beforeAll(async () => {
    fake = await startFakeTelegram()
    // The entrance's certificate: a throwaway self-signed one for nginx, Caddy's own local CA for Caddy. Both
    // are written into the test's folder, which relative bind sources given here point into.
    const binds: Record<string, string> =
      options.proxy === 'nginx' ? { './certs': './certs' } : { './caddy/Caddyfile': './caddy/Caddyfile' }
    deployment = await ComposeDeployment.create({
      file: options.file,
      project: `keygramtest${options.name}`,
      env: {
        TELEGRAM_BOT_TOKEN: fake.token,
        KEYGRAM_WEBHOOK_SECRET: secret,
        KEYGRAM_CHAT_ID: CHAT_ID,
        TELEGRAM_API_ROOT: fake.url,
        KEYGRAM_STOCK_LOW: '15',
        KEYGRAM_DOMAIN: TEST_DOMAIN,
        LOG_LEVEL: 'info',
      },
      binds,
    })
    let ca = ''
    if (options.proxy === 'nginx') ca = await selfSignedCertificate(deployment.subdir('certs'))
    else writeFileSync(join(deployment.subdir('caddy'), 'Caddyfile'), caddyfileWithLocalCerts())

    const upStarted = Date.now()
    await deployment.run(['up', '-d'])
    started = await deployment.waitHealthy(options.expected, 180_000)
    measured.up_to_healthy_ms = Date.now() - upStarted

    const proxy = await proxyContainer()
    if (options.proxy === 'caddy') {
      ca = (await docker(['exec', proxy, 'cat', '/data/caddy/pki/authorities/local/root.crt'])).stdout
    }
    entrance = { origin: `https://127.0.0.1:${await deployment.hostPort(proxy, '443/tcp')}`, ca }
  }, 300_000)

  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true
  })

  afterAll(async () => {
    saveSection(options.name, measured)
    console.info(`deployment ${options.name} (${options.file}):\n${JSON.stringify(measured, null, 2)}`)
    if (failed && deployment) console.error(await deployment.logsOfAll())
    if (process.env.KEYGRAM_COMPOSE_KEEP === '1') {
      console.info(`kept: docker-compose -p ${deployment?.project} in ${deployment?.dir}`)
    } else {
      await deployment?.destroy()
    }
    await fake?.close()
  }, 120_000)

  describe(`${options.file}: ${Object.keys(options.expected).join(', ')}`, () => {
    it('every service turns healthy within its health-check settings', async () => {
      for (const container of started) {
        const firstSuccess = container.probes.find((probe) => probe.exitCode === 0)
        expect(firstSuccess, container.name).toBeDefined()
        const healthyAfter = (firstSuccess?.at ?? 0) - (container.startedAt ?? 0)
        expect(healthyAfter, container.name).toBeLessThanOrEqual(
          healthBudgetMs(deployment, container.service),
        )
      }
      await recordConcurrentStarts(started)
      measured.ready_after_start_ms = await measureRestarts(deployment, options.expected)
      // Idle: started, nothing posted yet.
      await new Promise((resolve) => setTimeout(resolve, 5000))
      measured.idle_memory_mib = rounded(await deployment.memoryMiB(), 1)
    })

    it(`KeyCRM sample webhooks posted through ${options.proxy} over TLS arrive at the fake as messages`, async () => {
      const samples = sampleWebhooks()
      for (const sample of samples) {
        const answer = await postJson(entrance, `/webhooks/keycrm/${secret}`, JSON.stringify(sample.body))
        expect(answer.status, answer.body).toBe(200)
        expect(JSON.parse(answer.body)).toMatchObject({ status: 'queued' })
      }
      await expect.poll(() => fake.sent.length, { timeout: 30_000, interval: 200 }).toBe(samples.length)
      expect(new Set(fake.sent.map((message) => String(message.chat_id)))).toEqual(new Set([CHAT_ID]))
      const shown = fake.sent.map((message) => message.plain_text).join('\n')
      for (const id of ['23196', '23197', '13898']) expect(shown).toContain(id)
      // Nothing else is forwarded (the proxy's own 404); a wrong secret reaches Keygram (a JSON answer) and is
      // a 404 too: no such URL without the secret.
      expect((await postJson(entrance, '/healthz', '{}')).status).toBe(404)
      const wrong = await postJson(entrance, '/webhooks/keycrm/wrong-secret', '{}')
      expect(wrong.status).toBe(404)
      expect(JSON.parse(wrong.body)).toHaveProperty('error')
    })

    it(`a ${STOCK_ROWS.toLocaleString('en')}-row stock-balance import posted through ${options.proxy} is accepted`, async () => {
      const sentBefore = fake.sent.length
      const body = JSON.stringify(stockImport(STOCK_ROWS))
      const begun = performance.now()
      const answer = await postJson(entrance, `/webhooks/keycrm/${secret}`, body)
      const acceptMs = performance.now() - begun
      expect(answer.status, answer.body).toBe(200)
      const result = JSON.parse(answer.body) as { status: string; crossings: number; messages: number }
      expect(result).toMatchObject({ status: 'queued', crossings: STOCK_ROWS / 10 })
      await expect
        .poll(() => fake.sent.length, { timeout: 60_000, interval: 200 })
        .toBe(sentBefore + result.messages)
      for (const alert of fake.sent.slice(sentBefore)) expect(alert.plain_text).toContain('compose-')
      measured.stock_import = {
        rows: STOCK_ROWS,
        body_bytes: Buffer.byteLength(body),
        accept_ms: Math.round(acceptMs),
      }
      measured.memory_after_traffic_mib = rounded(await deployment.memoryMiB(), 1)
      // The proxy's log never shows the secret of the webhook URL.
      const proxyLog = await deployment.logs(await proxyContainer())
      expect(proxyLog).not.toContain(secret)
    })

    const redeploys: [string, string, typeof scaleUpAndDown][] = [
      [
        'scale',
        `--scale telegram-bot=${bots + 1}, then back to ${bots} (a second bot polls beside the first): 0 x 409, no update lost or handled twice`,
        scaleUpAndDown,
      ],
      [
        'handover',
        'new bot containers beside the old ones, then the old ones stop: 0 x 409, no update lost or handled twice',
        handover,
      ],
      [
        'force_recreate',
        'up -d --force-recreate (the old bot stops first): 0 x 409, no update lost or handled twice',
        forceRecreate,
      ],
    ]
    redeploys.forEach(([key, title, redeploy], index) => {
      it(`redeploy, ${title}`, async () => {
        const outcome = await redeploy(deployment, fake, {
          bots,
          expected: options.expected,
          firstChat: 7_000_000 + index * 100_000,
        })
        recordRedeploy(measured, key, outcome)
        await recordConcurrentStarts(outcome.startedContainers)
        expect(outcome.responses409).toBe(0)
        expect(outcome.traffic.duplicated).toEqual([])
        // Even --force-recreate, which stops the old bot first: the new one knows it is a redeploy.
        expect(outcome.traffic.lost).toEqual([])
        expect(outcome.traffic.pushed).toBeGreaterThan(10)
      }, 300_000)
    })

    it('down stops every container gracefully, well within its grace period', async () => {
      const running = await deployment.containers()
      const { events } = await deployment.watchEvents(() => deployment.run(['down']))
      const stops = stopRecords(events)
      const byName = new Map(running.map((container) => [container.name, container.service]))
      expect(stops.map((stop) => stop.name).sort()).toEqual(
        running
          .filter((container) => container.status === 'running')
          .map((container) => container.name)
          .sort(),
      )
      for (const stop of stops) {
        const grace = gracePeriodMs(deployment, byName.get(stop.name) ?? '')
        expect(stop.signals, stop.name).not.toContain('9')
        expect(stop.exitCode, stop.name).toBe(0)
        expect(stop.ms, stop.name).toBeLessThan(grace / 2)
      }
      measured.down_stop_ms = rounded(
        Object.fromEntries(stops.map((stop) => [deployment.shortName(stop.name), stop.ms])),
      )
    }, 120_000)
  })
}

/** Restarts of one container at a time. */
const RESTART_ROUNDS = 3

/**
 * Each Keygram role's own start, one container at a time (`docker restart`), beside a bare Node server's
 * start on the same base image in the same rounds: process start to listening, medians in ms.
 */
async function measureRestarts(
  deployment: ComposeDeployment,
  expected: Record<string, number>,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(
    ['bare_node', ...KEYGRAM_SERVICES].map((name) => [name, []]),
  )
  for (let round = 0; round < RESTART_ROUNDS; round++) {
    samples.bare_node?.push(await baselineMsToListen(IMAGES.nodeRuntime))
    for (const service of KEYGRAM_SERVICES) {
      const [container] = await deployment.running(service)
      if (!container) throw new Error(`no running ${service}`)
      await docker(['restart', container.name])
      samples[service]?.push(await msToListen(container.name))
    }
    await deployment.waitHealthy(expected, 120_000)
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]))
  return { ...medians, load_average: Math.round(loadavg()[0] ?? 0) }
}

function recordRedeploy(measured: Record<string, unknown>, key: string, outcome: RedeployOutcome): void {
  const redeploys = (measured.redeploys ?? {}) as Record<string, unknown>
  measured.redeploys = redeploys
  redeploys[key] = {
    responses_409: outcome.responses409,
    updates: outcome.traffic.pushed,
    lost: outcome.traffic.lost.length,
    handled_twice: outcome.traffic.duplicated.length,
    longest_without_poller_ms: outcome.longestNoPollerMs,
    max_answer_ms: Math.round(outcome.traffic.maxLatencyMs),
    window_ms: outcome.windowMs,
  }
}
