/**
 * One running compose project of the live test: its folder (compose file, `.env`, certificates), Compose
 * commands, and what Docker says about its containers.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { ComposeDocument } from '../older-engine.ts'
import { composeDir } from '../paths.ts'
import { COMPOSE, type CommandOutput, DOCKER, docker, run } from './docker.ts'
import { composeForTest } from './test-compose.ts'

/** A container of the project, as `docker inspect` describes it. */
export interface ContainerState {
  id: string
  name: string
  service: string
  /** `running`, `exited`, ... */
  status: string
  /** `starting`, `healthy`, `unhealthy`, or `null` without a health check. */
  health: string | null
  /** Epoch ms; `null` before the first start. */
  startedAt: number | null
  /** Epoch ms; `null` while it never stopped. */
  finishedAt: number | null
  exitCode: number
  /** Epoch ms of each health probe result, with its exit code. */
  probes: { at: number; exitCode: number }[]
}

/** Options of {@link ComposeDeployment.create}. */
export interface DeploymentOptions {
  /** The published file in examples/docker-compose/, e.g. `docker-compose.yml`. */
  file: string
  /** The Compose project name (also its containers' prefix). */
  project: string
  /** The `.env` next to the compose file: what a user fills in. */
  env: Record<string, string>
  /** Bind-mount sources given instead of the published ones (see composeForTest). */
  binds?: Record<string, string>
}

const epoch = (text: string | undefined): number | null => {
  if (text === undefined || text.startsWith('0001-')) return null
  return Date.parse(text)
}

/** A compose project in a temporary folder, removed with its containers and volumes by {@link destroy}. */
export class ComposeDeployment {
  private constructor(
    readonly project: string,
    readonly dir: string,
    readonly compose: ComposeDocument,
  ) {}

  /** Writes the folder: the compose file as the test runs it, and `.env`. Removes leftovers of a crashed run. */
  static async create(options: DeploymentOptions): Promise<ComposeDeployment> {
    const dir = await mkdtemp(join(tmpdir(), `${options.project}-`))
    const published = parse(readFileSync(join(composeDir, options.file), 'utf8'), { merge: true })
    const compose = composeForTest(published, options.binds === undefined ? {} : { binds: options.binds })
    // JSON is YAML too, and leaves nothing to YAML 1.1's reading of docker-compose 1.29 (`yes` is true there).
    writeFileSync(join(dir, 'docker-compose.yml'), JSON.stringify(compose, null, 2))
    writeFileSync(
      join(dir, '.env'),
      Object.entries(options.env)
        .map(([name, value]) => `${name}=${value}`)
        .join('\n'),
      { mode: 0o600 },
    )
    const deployment = new ComposeDeployment(options.project, dir, compose)
    await deployment.run(['down', '--volumes', '--remove-orphans', '--timeout', '1'])
    return deployment
  }

  /** A folder inside the project's folder, e.g. for the certificates. */
  subdir(name: string): string {
    const path = join(this.dir, name)
    mkdirSync(path, { recursive: true })
    return path
  }

  /** Runs `docker-compose -p <project> <args>` in the project's folder. */
  run(args: readonly string[], timeoutMs = 300_000): Promise<CommandOutput> {
    const [command = 'docker-compose', ...prefix] = COMPOSE
    return run(command, [...prefix, '-p', this.project, ...args], { cwd: this.dir, timeoutMs })
  }

  /** The project's containers (stopped ones included), oldest first. */
  async containers(service?: string): Promise<ContainerState[]> {
    const filters = ['--filter', `label=com.docker.compose.project=${this.project}`]
    if (service !== undefined) filters.push('--filter', `label=com.docker.compose.service=${service}`)
    const { stdout } = await docker(['ps', '--all', '--quiet', '--no-trunc', ...filters])
    const ids = stdout.split('\n').filter(Boolean)
    if (ids.length === 0) return []
    const inspected = JSON.parse((await docker(['inspect', ...ids])).stdout) as InspectedContainer[]
    return inspected.map(describe).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))
  }

  /** The running containers of `service`, oldest first. */
  async running(service: string): Promise<ContainerState[]> {
    return (await this.containers(service)).filter((container) => container.status === 'running')
  }

  /**
   * Waits until every running container with a health check is `healthy` and `expected` (service -> count)
   * containers run; rejects on `unhealthy`, or after `timeoutMs` with the states seen.
   */
  async waitHealthy(expected: Record<string, number>, timeoutMs: number): Promise<ContainerState[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const containers = (await this.containers()).filter((container) => container.status === 'running')
      const sick = containers.find((container) => container.health === 'unhealthy')
      if (sick) throw new Error(`${sick.name} is unhealthy:\n${await this.logs(sick.name)}`)
      const counts = Object.entries(expected).every(
        ([service, count]) =>
          containers.filter((container) => container.service === service).length === count,
      )
      if (
        counts &&
        containers.every((container) => container.health === null || container.health === 'healthy')
      ) {
        return containers
      }
      if (Date.now() > deadline) {
        const states = containers.map((container) => `${container.name}: ${container.health}`).join(', ')
        throw new Error(`not healthy within ${timeoutMs} ms: ${states}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** The host port Docker published for `containerPort` of a container. */
  async hostPort(container: string, containerPort: string): Promise<number> {
    const { stdout } = await docker(['port', container, containerPort])
    const port = Number(/:(\d+)\s*$/m.exec(stdout)?.[1])
    if (!Number.isInteger(port)) throw new Error(`${container} publishes no ${containerPort}: ${stdout}`)
    return port
  }

  /** A container's output, each line with Docker's receive time (`docker logs --timestamps`). */
  async logs(container: string): Promise<string> {
    const { stdout, stderr } = await docker(['logs', '--timestamps', container])
    return `${stdout}${stderr}`
  }

  /** The last lines of every container's output, for a failure report. */
  async logsOfAll(lines = 40): Promise<string> {
    const parts: string[] = []
    for (const container of await this.containers()) {
      const { stdout, stderr } = await docker(['logs', '--tail', String(lines), container.name]).catch(
        (error) => ({
          stdout: String(error),
          stderr: '',
        }),
      )
      parts.push(`--- ${container.name} (${container.status}, ${container.health}) ---\n${stdout}${stderr}`)
    }
    return parts.join('\n')
  }

  /** A container's name without the project's prefix, e.g. `webhook-server_1`. */
  shortName(container: string): string {
    return container.startsWith(`${this.project}_`) ? container.slice(this.project.length + 1) : container
  }

  /** Memory in MiB per running container name, as `docker stats` shows it (the cgroup's usage without page cache). */
  async memoryMiB(): Promise<Record<string, number>> {
    const ids = (await this.containers())
      .filter((container) => container.status === 'running')
      .map((c) => c.id)
    const { stdout } = await docker(['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}', ...ids])
    return Object.fromEntries(
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name = '', usage = ''] = line.split('\t')
          return [this.shortName(name), toMiB(usage.split('/')[0]?.trim() ?? '')]
        }),
    )
  }

  /**
   * Follows `docker events` for the project's containers while `action` runs; returns the events seen
   * (`die` carries `exitCode`, `kill` the signal).
   */
  async watchEvents<T>(action: () => Promise<T>): Promise<{ result: T; events: DockerEvent[] }> {
    const child = spawn(
      DOCKER,
      ['events', '--format', '{{json .}}', '--filter', `label=com.docker.compose.project=${this.project}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let text = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
    })
    // `docker events` starts listening a moment after it starts.
    await new Promise((resolve) => setTimeout(resolve, 500))
    try {
      const result = await action()
      await new Promise((resolve) => setTimeout(resolve, 500))
      return { result, events: text.split('\n').filter(Boolean).map(toEvent) }
    } finally {
      child.kill()
    }
  }

  /** Removes the containers, the volumes and the folder. */
  async destroy(): Promise<void> {
    await this.run(['down', '--volumes', '--remove-orphans', '--timeout', '1']).catch(() => undefined)
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** One line of `docker events`. */
export interface DockerEvent {
  action: string
  name: string
  /** Epoch ms. */
  at: number
  attributes: Record<string, string>
}

interface InspectedContainer {
  Id: string
  Name: string
  Config: { Labels: Record<string, string> }
  State: {
    Status: string
    StartedAt: string
    FinishedAt: string
    ExitCode: number
    Health?: { Status: string; Log: { Start: string; End: string; ExitCode: number }[] }
  }
}

function describe(container: InspectedContainer): ContainerState {
  const state = container.State
  return {
    id: container.Id,
    name: container.Name.replace(/^\//, ''),
    service: container.Config.Labels['com.docker.compose.service'] ?? '',
    status: state.Status,
    health: state.Health?.Status ?? null,
    startedAt: epoch(state.StartedAt),
    finishedAt: epoch(state.FinishedAt),
    exitCode: state.ExitCode,
    probes: (state.Health?.Log ?? []).map((probe) => ({
      at: Date.parse(probe.End),
      exitCode: probe.ExitCode,
    })),
  }
}

function toEvent(line: string): DockerEvent {
  const event = JSON.parse(line) as {
    Action: string
    timeNano: number
    Actor: { Attributes: Record<string, string> }
  }
  return {
    action: event.Action,
    name: event.Actor.Attributes.name ?? '',
    at: event.timeNano / 1e6,
    attributes: event.Actor.Attributes,
  }
}

const UNITS: Record<string, number> = { B: 1 / 1_048_576, KiB: 1 / 1024, MiB: 1, GiB: 1024 }

function toMiB(text: string): number {
  const match = /^([\d.]+)\s*([KMG]?i?B)$/.exec(text)
  if (!match) throw new Error(`unreadable memory usage "${text}"`)
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN)
}
