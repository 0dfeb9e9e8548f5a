/**
 * The seed's incident, replayed: redeploys of `telegram-bot` while users write to the bot, watched at the
 * fake Bot API (every 409, every update and its answer, every moment without a poller).
 */
import type { FakeBotApi } from '@keygram/testing'
import type { ComposeDeployment, ContainerState, DockerEvent } from './deployment.ts'
import { docker } from './docker.ts'
import { PollerWatch, type TrafficOutcome, UpdateTraffic } from './telegram.ts'

const BOT = 'telegram-bot'

/** What one redeploy did, as the fake saw it. */
export interface RedeployOutcome {
  /** 409 answers the fake gave during the redeploy. */
  responses409: number
  traffic: TrafficOutcome
  /** The longest stretch with no poller connected to the fake, in ms. */
  longestNoPollerMs: number
  /** The observed window, in ms: 1 s of users writing, the redeploy, healthy again, 2 s more. */
  windowMs: number
  /** The docker events seen, for the caller's own questions (which container stopped when). */
  events: DockerEvent[]
  /** The Keygram containers the redeploy started. */
  startedContainers: ContainerState[]
}

/** Options shared by the redeploys. */
export interface RedeployOptions {
  /** How many bot containers the deployment runs. */
  bots: number
  /** Services and counts once healthy again (for `waitHealthy`). */
  expected: Record<string, number>
  /** First chat id of this redeploy's users (each redeploy uses its own range). */
  firstChat: number
}

/** How long answers to the last updates may still take once the window closed. */
const SETTLE_MS = 20_000

/** Runs `redeploy` with users writing to the bot from before it starts until after it ended. */
async function observe(
  deployment: ComposeDeployment,
  fake: FakeBotApi,
  options: RedeployOptions,
  redeploy: () => Promise<void>,
): Promise<RedeployOutcome> {
  const conflictsBefore = fake.responses409
  const watch = new PollerWatch(fake)
  const traffic = new UpdateTraffic(fake, options.firstChat)
  const started = Date.now()
  const { events } = await deployment.watchEvents(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await redeploy()
    await deployment.waitHealthy(options.expected, 120_000)
    // Users keep writing for a while after the new bot took over.
    await new Promise((resolve) => setTimeout(resolve, 2000))
  })
  const windowMs = Date.now() - started
  traffic.stop()
  // Answers to the last updates are on their way: wait until nothing is missing, or the time is up.
  const deadline = Date.now() + SETTLE_MS
  while (traffic.outcome().lost.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const longestNoPollerMs = watch.stop()
  const startedContainers = (await deployment.containers()).filter(
    (container) => container.status === 'running' && (container.startedAt ?? 0) >= started,
  )
  return {
    startedContainers,
    responses409: fake.responses409 - conflictsBefore,
    traffic: traffic.outcome(),
    longestNoPollerMs,
    windowMs,
    events,
  }
}

/**
 * `up --scale telegram-bot=<n+1>` (a new bot starts while the old ones run: the seed's overlap), then back to
 * `<n>`: Compose stops the container it chooses (docker-compose 1.29 the newest, Compose v2 an outdated
 * one first).
 */
export function scaleUpAndDown(
  deployment: ComposeDeployment,
  fake: FakeBotApi,
  options: RedeployOptions,
): Promise<RedeployOutcome> {
  return observe(deployment, fake, options, async () => {
    await scaleBots(deployment, options.bots + 1)
    await deployment.waitHealthy({ ...options.expected, [BOT]: options.bots + 1 }, 120_000)
    await scaleBots(deployment, options.bots)
  })
}

/**
 * A handover: as many new bot containers start beside the old ones (`--scale` to twice as many), and once
 * they are healthy every old one is stopped and removed, oldest first; the lease passes to a new one.
 * This is the zero-downtime redeploy the docs describe (what `docker rollout` does).
 */
export function handover(
  deployment: ComposeDeployment,
  fake: FakeBotApi,
  options: RedeployOptions,
): Promise<RedeployOutcome> {
  return observe(deployment, fake, options, async () => {
    const old = await deployment.running(BOT)
    await scaleBots(deployment, options.bots * 2)
    await deployment.waitHealthy({ ...options.expected, [BOT]: options.bots * 2 }, 120_000)
    for (const container of old) {
      await docker(['stop', container.name])
      await docker(['rm', '--volumes', container.name])
    }
    await scaleBots(deployment, options.bots)
  })
}

/** `up -d --force-recreate`: Compose recreates every container, stopping each old one before its new one starts. */
export function forceRecreate(
  deployment: ComposeDeployment,
  fake: FakeBotApi,
  options: RedeployOptions,
): Promise<RedeployOutcome> {
  return observe(deployment, fake, options, async () => {
    await deployment.run(['up', '-d', '--force-recreate', ...scaleArgs(options.expected)])
  })
}

function scaleBots(deployment: ComposeDeployment, count: number): Promise<unknown> {
  return deployment.run(['up', '-d', '--no-deps', '--no-recreate', '--scale', `${BOT}=${count}`, BOT])
}

/** `--scale` for every service with more than one container, so an `up` keeps the replicas it has. */
export function scaleArgs(expected: Record<string, number>): string[] {
  return Object.entries(expected)
    .filter(([, count]) => count > 1)
    .flatMap(([service, count]) => ['--scale', `${service}=${count}`])
}
