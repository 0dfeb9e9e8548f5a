/**
 * Chat subscriptions made with `/subscribe`: which event kinds a chat (or forum topic) receives, kept in
 * the store's key-value records so every replica routes by them.
 *
 * Key design: one record, {@link SUBSCRIPTIONS_KEY} (`subscriptions:v1`), holds every subscription:
 *
 * ```json
 * { "version": 1, "chats": [
 *   { "chatId": "-1001234567890", "threadId": 42, "kinds": ["order_status"], "updatedBy": "123", "updatedAt": 1769712815000 }
 * ] }
 * ```
 *
 * One record rather than one per chat because {@link KeyValueStore} cannot list keys: routing an event then
 * costs a single `get`. A chat with no kinds left is removed. Writes are read-modify-write, serialised within
 * the process; commands are handled only by the process holding the polling lease, so there is one writer.
 * A malformed record or entry is ignored on read (never breaks routing) and rewritten by the next change.
 * The `v1` suffix lets a future layout live next to this one during a migration.
 *
 * @module
 */
import * as v from 'valibot'
import { type RouteFunction, routableKinds } from '../delivery/routes.ts'
import type { ChatTarget, KeygramStore, KeyValueStore } from '../delivery/types.ts'
import type { KeycrmEvent } from '../webhook/types.ts'

/** The key-value key holding every subscription. */
export const SUBSCRIPTIONS_KEY = 'subscriptions:v1'

/** The most chats the record keeps; a subscribe beyond it is refused, to bound the record's size. */
export const MAX_SUBSCRIBED_CHATS = 1000

/** An event kind a chat can subscribe to. */
export type SubscriptionKind = (typeof routableKinds)[number]

/** One chat's (or topic's) subscription as stored. */
export interface Subscription extends ChatTarget {
  /** Subscribed kinds, in {@link routableKinds} order, never empty. */
  kinds: SubscriptionKind[]
  /** Who changed it last (user id as text). */
  updatedBy?: string
  /** When it last changed (epoch ms). */
  updatedAt?: number
}

const subscriptionSchema = v.object({
  chatId: v.pipe(v.string(), v.regex(/^(?:-?[1-9]\d{0,18}|@[A-Za-z][A-Za-z0-9_]{4,31})$/)),
  threadId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  kinds: v.pipe(v.array(v.picklist(routableKinds)), v.minLength(1)),
  updatedBy: v.optional(v.string()),
  updatedAt: v.optional(v.number()),
})

const recordSchema = v.object({ version: v.literal(1), chats: v.array(v.unknown()) })

/** Thrown by {@link updateSubscription} when the record already holds {@link MAX_SUBSCRIBED_CHATS} chats. */
export class SubscriptionLimitError extends Error {
  override readonly name = 'SubscriptionLimitError'
}

/** Every valid subscription in the store; an absent or malformed record reads as none. */
export async function readSubscriptions(kv: Pick<KeyValueStore, 'get'>): Promise<Subscription[]> {
  const stored = await kv.get(SUBSCRIPTIONS_KEY)
  // Nobody subscribed (the usual case, read once per webhook): valibot would build an issue and its message.
  if (stored === null) return []
  const record = v.safeParse(recordSchema, stored)
  if (!record.success) return []
  const subscriptions: Subscription[] = []
  for (const entry of record.output.chats) {
    const parsed = v.safeParse(subscriptionSchema, entry)
    if (!parsed.success) continue
    const subscription: Subscription = {
      chatId: parsed.output.chatId,
      kinds: orderKinds(parsed.output.kinds),
    }
    if (parsed.output.threadId !== undefined) subscription.threadId = parsed.output.threadId
    if (parsed.output.updatedBy !== undefined) subscription.updatedBy = parsed.output.updatedBy
    if (parsed.output.updatedAt !== undefined) subscription.updatedAt = parsed.output.updatedAt
    subscriptions.push(subscription)
  }
  return subscriptions
}

/** The kinds `target` is subscribed to (empty when none). */
export async function subscriptionOf(
  kv: Pick<KeyValueStore, 'get'>,
  target: ChatTarget,
): Promise<SubscriptionKind[]> {
  const found = (await readSubscriptions(kv)).find((entry) => sameTarget(entry, target))
  return found?.kinds ?? []
}

/** A change made by {@link updateSubscription}. */
export interface SubscriptionChange {
  add?: readonly SubscriptionKind[]
  remove?: readonly SubscriptionKind[]
  /** Who makes the change (recorded as `updatedBy`). */
  by?: number | string
  /** Epoch ms (recorded as `updatedAt`). */
  now: number
}

// Per key-value store, the tail of the chain of pending writes: read-modify-write must not interleave.
const writeChains = new WeakMap<object, Promise<unknown>>()

/**
 * Adds and removes kinds of `target`'s subscription and persists the record; resolves the kinds it
 * has afterwards. Removing every kind removes the chat.
 *
 * @throws {SubscriptionLimitError} when adding a new chat beyond {@link MAX_SUBSCRIBED_CHATS}.
 */
export function updateSubscription(
  kv: Pick<KeyValueStore, 'get' | 'set'>,
  target: ChatTarget,
  change: SubscriptionChange,
): Promise<SubscriptionKind[]> {
  const previous = writeChains.get(kv) ?? Promise.resolve()
  // The stored tail never rejects (see below), so one failed write does not block the next.
  const next = previous.then(() => applyChange(kv, target, change))
  writeChains.set(
    kv,
    next.catch(() => undefined),
  )
  return next
}

async function applyChange(
  kv: Pick<KeyValueStore, 'get' | 'set'>,
  target: ChatTarget,
  change: SubscriptionChange,
): Promise<SubscriptionKind[]> {
  const chats = await readSubscriptions(kv)
  const index = chats.findIndex((entry) => sameTarget(entry, target))
  const current = new Set<SubscriptionKind>(index === -1 ? [] : chats[index]!.kinds)
  for (const kind of change.add ?? []) current.add(kind)
  for (const kind of change.remove ?? []) current.delete(kind)
  const kinds = orderKinds([...current])
  if (kinds.length === 0) {
    if (index !== -1) chats.splice(index, 1)
  } else {
    const entry: Subscription = { chatId: String(target.chatId), kinds, updatedAt: change.now }
    if (target.threadId !== undefined) entry.threadId = target.threadId
    if (change.by !== undefined) entry.updatedBy = String(change.by)
    if (index === -1) {
      if (chats.length >= MAX_SUBSCRIBED_CHATS)
        throw new SubscriptionLimitError(`At most ${MAX_SUBSCRIBED_CHATS} chats can subscribe`)
      chats.push(entry)
    } else {
      chats[index] = entry
    }
  }
  await kv.set(SUBSCRIPTIONS_KEY, { version: 1, chats })
  return kinds
}

/**
 * A route function sending each event to the chats subscribed to its kind (one key-value read per event).
 *
 * @example
 * ```ts
 * createNotifier({ store, routes: combineRoutes(config.routes, subscriptionRoutes(store)) })
 * ```
 */
export function subscriptionRoutes(store: Pick<KeygramStore, 'kv'>): RouteFunction {
  return async (event: KeycrmEvent) => {
    const targets: ChatTarget[] = []
    for (const entry of await readSubscriptions(store.kv)) {
      if (!entry.kinds.includes(event.kind)) continue
      targets.push(
        entry.threadId === undefined
          ? { chatId: entry.chatId }
          : { chatId: entry.chatId, threadId: entry.threadId },
      )
    }
    return targets
  }
}

/** Whether two targets name the same chat and topic (chat ids compared as text). */
export function sameTarget(left: ChatTarget, right: ChatTarget): boolean {
  return String(left.chatId) === String(right.chatId) && left.threadId === right.threadId
}

function orderKinds(kinds: readonly SubscriptionKind[]): SubscriptionKind[] {
  return routableKinds.filter((kind) => kinds.includes(kind))
}

/** The result of {@link parseSubscriptionKinds}. */
export type ParsedKinds = { ok: true; kinds: SubscriptionKind[] } | { ok: false; invalid: string[] }

const eventNameKinds: Readonly<Record<string, SubscriptionKind>> = {
  'order.change_order_status': 'order_status',
  'order.change_payment_status': 'payment_status',
  'lead.change_lead_status': 'lead_status',
}

/**
 * Reads command arguments such as `order_status, payment_status` or `all`: kinds or KeyCRM event names,
 * separated by spaces or commas, case-insensitive. No arguments means every kind.
 */
export function parseSubscriptionKinds(args: string): ParsedKinds {
  const words = args
    .toLowerCase()
    .split(/[\s,;]+/)
    .filter((word) => word !== '')
  if (words.length === 0) return { ok: true, kinds: [...routableKinds] }
  const kinds = new Set<SubscriptionKind>()
  const invalid: string[] = []
  for (const word of words) {
    if (word === 'all') for (const kind of routableKinds) kinds.add(kind)
    else if ((routableKinds as readonly string[]).includes(word)) kinds.add(word as SubscriptionKind)
    else if (Object.hasOwn(eventNameKinds, word)) kinds.add(eventNameKinds[word]!)
    else if (!invalid.includes(word)) invalid.push(word)
  }
  if (invalid.length > 0) return { ok: false, invalid }
  return { ok: true, kinds: orderKinds([...kinds]) }
}
