/**
 * What the server's roles share: the configuration, the open store, the notifier, logging and metrics, and
 * a way to listen and to register what must stop on shutdown.
 *
 * @module
 */
import type {
  KeygramActions,
  KeygramStore,
  Notifier,
  StatusDictionary,
  TelegramTransport,
} from '@keygram/core'
import type { ConsolaInstance } from 'consola'
import type { H3 } from 'h3'
import type { KeygramConfig } from '../config/index.ts'
import type { FastPath } from '../http/fast-path.ts'
import type { KeycrmServices } from '../keycrm.ts'
import type { KeygramMetrics } from '../metrics/index.ts'
import type { Listening } from './http-host.ts'

/** Stops one started part; `httpDeadline` (epoch ms) is when in-flight HTTP requests are cut. */
export type PartStop = (httpDeadline: number) => Promise<unknown> | undefined

/** What a role gets from the server that starts it. */
export interface RoleContext {
  readonly config: KeygramConfig
  readonly store: KeygramStore
  readonly notifier: Notifier
  /** KeyCRM's status list when routes named statuses (loaded at start), else `undefined`. */
  readonly statuses: StatusDictionary | undefined
  /** The process's one KeyCRM client, or `null` without an API key. */
  readonly keycrm: KeycrmServices | null
  /** Two-way actions, or `null` when none are configured. */
  readonly actions: KeygramActions | null
  readonly logger: ConsolaInstance
  readonly metrics: KeygramMetrics
  /** Redacts the process's secrets from a text (errors may quote URLs with the token). */
  redact(text: string): string
  /** The transport the caller passed (tests, embedding), else `undefined`. */
  readonly transport: TelegramTransport | undefined
  /** Serves an app on the role's port; resolves where it listens. It is closed on shutdown. */
  listen(app: H3, role: 'webhook' | 'bot', fastPath?: FastPath): Promise<Listening>
  /** Registers a started part to stop on shutdown (all stop together, before the store closes). */
  onStop(stop: PartStop): void
  /** True once shutdown began (`/readyz` answers 503 from then on). */
  isShuttingDown(): boolean
  /** When this process last delivered a message (epoch ms), for the bot's `/status`. */
  lastDeliveryAt(): number | null
  /** Marks a delivery now. */
  markDelivered(): void
}
