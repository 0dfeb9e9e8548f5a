/**
 * The shape of a command-reply language.
 *
 * @module
 */
import type { SafeHtml } from '../../format/html.ts'
import type { SubscriptionKind } from '../subscriptions.ts'
import type { KeygramCommand } from '../types.ts'

/**
 * Every text the bot commands need, in one language. Plain strings are escaped where they are used;
 * functions get their dynamic parts already escaped (as `SafeHtml`) and build with the `html` builder.
 */
export interface CommandStrings {
  /** `setMyCommands` descriptions (1-256 characters). */
  descriptions: Record<KeygramCommand, string>
  /** The first line of `/start`. */
  welcome: string
  chat: {
    chat: string
    chatId: string
    topicId: string
    /** Introduces the route rule snippet. */
    snippet: string
    /** Points at `/subscribe` as the alternative to the config. */
    subscribeHint: string
  }
  status: {
    title: string
    queue: string
    waiting: string
    sending: string
    oldest: string
    dead: string
    lastDelivery: string
    never: string
    unknown: string
    /** E.g. `3 min ago`. */
    ago: (duration: string) => string
    lease: string
    /** Nobody holds the polling lease. */
    leaseFree: string
    /** E.g. `held by host-a:12 (token 7), expires in 25 s`. */
    leaseHeld: (holder: SafeHtml, token: number, expiresIn: string) => SafeHtml
    poller: string
    store: string
  }
  subscriptions: {
    /** Human names of the kinds. */
    kinds: Record<SubscriptionKind, string>
    /** Heads the list of kinds the chat now gets. */
    receives: string
    /** The chat has no subscription now. */
    none: string
    /** Reminds that configured routes apply regardless of subscriptions. */
    configNote: string
    /** Heads the list of unknown words. */
    invalid: string
    /** Heads the list of accepted kinds. */
    valid: string
    /** Too many chats subscribed already. */
    limit: string
  }
  access: {
    /** Refusal for a non-admin, naming their user id (already `<code>`). */
    notAdmin: (userId: SafeHtml) => SafeHtml
    /** Refusal for a message sent on behalf of the group (anonymous admin) or a channel. */
    anonymous: string
  }
  test: {
    /** Put in the sample's manager comment, so readers see it is a test. */
    sampleComment: string
    /** E.g. `Sample queued: 2 messages.` */
    queued: (jobs: number) => string
    /** This chat is subscribed to the sample's kind (its human name): it will arrive here. */
    here: (kindName: string) => string
    /** This chat is not subscribed: it arrives only if the config routes that kind here. */
    maybeHere: (kindName: string, kind: string) => string
    /** No route took the sample. */
    unrouted: (kindName: string, kind: string) => string
    /** The sample had been accepted before and was suppressed. */
    duplicate: string
  }
  order: {
    /** How to call it: `/order 12345`. */
    usage: string
    /** No KeyCRM API key is configured. */
    needsApi: string
    /** KeyCRM has no such order (its number, already `<code>`). */
    notFound: (id: SafeHtml) => SafeHtml
  }
  /** A command failed; details go to the log only. */
  error: string
}
