/**
 * The project's fake Telegram Bot API, run in the test process on the host and reached by the containers
 * through the address of Docker's default bridge (docker0). On the host the test reads the fake's own
 * records directly (every call, every 409, every message) instead of through a second API, and it outlives
 * every container of a redeploy.
 */
import { createFakeBotApi, type FakeBotApi } from '@keygram/testing'
import { docker, run } from './docker.ts'

/**
 * The host's address on Docker's default bridge (docker0), which every container can reach, e.g. 172.17.0.1.
 * Read with `ip`: Node lists no address of a bridge without containers (its link is down), and Engine
 * 20.10 does not show the default bridge's gateway in `docker network inspect`.
 */
export async function dockerHostAddress(): Promise<string> {
  const { stdout: name } = await docker([
    'network',
    'inspect',
    'bridge',
    '--format',
    '{{index .Options "com.docker.network.bridge.name"}}',
  ])
  const bridge = name.trim() || 'docker0'
  const { stdout } = await run('ip', ['-4', '-o', 'address', 'show', 'dev', bridge])
  const address = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(stdout)?.[1]
  if (address === undefined)
    throw new Error(`the host has no IPv4 address on Docker's bridge ${bridge}: ${stdout}`)
  return address
}

/** A fake Bot API listening on the bridge address, on a free port. */
export async function startFakeTelegram(): Promise<FakeBotApi> {
  return createFakeBotApi({ host: await dockerHostAddress() })
}

/** Samples whether a long poll is open at the fake, to find the stretches with no poller. */
export class PollerWatch {
  private readonly timer: NodeJS.Timeout
  private gapStart: number | null = null
  /** How long each stretch with no `getUpdates` open lasted, in ms. */
  private readonly gaps: number[] = []

  constructor(
    private readonly fake: FakeBotApi,
    everyMs = 5,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  private sample(): void {
    const now = Date.now()
    if (this.fake.hasPendingPoll) {
      if (this.gapStart !== null) this.gaps.push(now - this.gapStart)
      this.gapStart = null
    } else {
      this.gapStart ??= now
    }
  }

  /** Stops sampling; returns the longest stretch without a poller, in ms (0 if none). */
  stop(): number {
    clearInterval(this.timer)
    this.sample()
    if (this.gapStart !== null) this.gaps.push(Date.now() - this.gapStart)
    return Math.max(0, ...this.gaps)
  }
}

/** What became of the updates a {@link UpdateTraffic} pushed. */
export interface TrafficOutcome {
  pushed: number
  /** Answered exactly once. */
  handled: number
  /** Chats whose update was never answered. */
  lost: number[]
  /** When each of those was pushed (epoch ms). */
  lostPushedAt: number[]
  /** Answered more than once. */
  duplicated: number[]
  /** Longest time from push to answer, in ms. */
  maxLatencyMs: number
}

/**
 * Users talking to the bot during a redeploy: a `/chatid` message from a new private chat every `everyMs`.
 * The bot answers each in its chat, so an answer counts once per update: none is a lost update, two is an
 * update handled twice.
 */
export class UpdateTraffic {
  private readonly timer: NodeJS.Timeout
  /** Chat id -> when its update was pushed. */
  readonly pushedAt = new Map<number, number>()

  constructor(
    private readonly fake: FakeBotApi,
    private nextChat: number,
    everyMs = 200,
  ) {
    this.timer = setInterval(() => this.push(), everyMs)
    this.push()
  }

  private push(): void {
    const chat = this.nextChat++
    this.fake.pushMessage({ chat, text: '/chatid' })
    this.pushedAt.set(chat, Date.now())
  }

  /** Stops pushing. */
  stop(): void {
    clearInterval(this.timer)
  }

  /** The outcome so far. */
  outcome(): TrafficOutcome {
    // When each answer arrived: the successful sendMessage calls (a 429 retried later counts once).
    const answers = new Map<number, number[]>()
    for (const call of this.fake.calls) {
      if (call.method.toLowerCase() !== 'sendmessage' || call.status !== 200) continue
      const chat = Number(call.params.chat_id)
      if (this.pushedAt.has(chat)) answers.set(chat, [...(answers.get(chat) ?? []), call.at])
    }
    const lost: number[] = []
    const duplicated: number[] = []
    let maxLatencyMs = 0
    for (const [chat, at] of this.pushedAt) {
      const times = answers.get(chat) ?? []
      if (times.length === 0) lost.push(chat)
      if (times.length > 1) duplicated.push(chat)
      if (times.length > 0) maxLatencyMs = Math.max(maxLatencyMs, Math.min(...times) - at)
    }
    return {
      pushed: this.pushedAt.size,
      handled: this.pushedAt.size - lost.length - duplicated.length,
      lost,
      lostPushedAt: lost.map((chat) => this.pushedAt.get(chat) ?? 0),
      duplicated,
      maxLatencyMs,
    }
  }
}
