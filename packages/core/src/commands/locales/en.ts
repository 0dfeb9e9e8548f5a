import { html } from '../../format/html.ts'
import type { CommandStrings } from './types.ts'

/** English command replies. */
export const en: CommandStrings = {
  descriptions: {
    start: 'What this bot does and the id of this chat',
    chatid: 'Chat and topic id to paste into the config',
    status: 'Queue, dead letters, last delivery and polling',
    subscribe: 'Send KeyCRM events to this chat (admins)',
    unsubscribe: 'Stop KeyCRM events in this chat (admins)',
    order: "Post an order's live card here: /order 12345 (admins)",
    test: 'Send a sample notification (admins)',
  },
  welcome: 'Keygram sends KeyCRM events (order status, payment, lead) to Telegram chats.',
  chat: {
    chat: 'Chat',
    chatId: 'Chat id',
    topicId: 'Topic id',
    snippet: 'Route for the config:',
    subscribeHint: 'Or have an admin send /subscribe here.',
  },
  status: {
    title: 'Keygram status',
    queue: 'Queue',
    waiting: 'waiting',
    sending: 'being sent',
    oldest: 'oldest',
    dead: 'Dead letters',
    lastDelivery: 'Last delivery',
    never: 'none yet',
    unknown: 'unknown',
    ago: (duration) => `${duration} ago`,
    lease: 'Polling',
    leaseFree: 'nobody holds the lease',
    leaseHeld: (holder, token, expiresIn) =>
      html`held by ${holder} (token ${token}), expires in ${expiresIn}`,
    poller: 'Poller',
    store: 'Store',
  },
  subscriptions: {
    kinds: {
      order_status: 'order status changes',
      payment_status: 'payment status changes',
      lead_status: 'lead status changes',
      unknown: 'other KeyCRM events',
    },
    receives: 'This chat now receives:',
    none: 'This chat has no subscription now.',
    configNote: 'Routes in the config apply regardless.',
    invalid: 'Unknown event kinds:',
    valid: 'Use one or more of:',
    limit: 'Too many chats are subscribed already; remove some or use routes in the config.',
  },
  access: {
    notAdmin: (userId) =>
      html`Sorry, only Keygram admins can do this. Your user id is ${userId}: ask an admin to add it to <code>admins</code>.`,
    anonymous:
      'Sorry, this message was sent on behalf of the chat, so Keygram cannot tell who you are. Send it as yourself.',
  },
  test: {
    sampleComment: 'Test notification sent with /test.',
    queued: (jobs) => `Sample queued: ${jobs} ${jobs === 1 ? 'message' : 'messages'} to the routed chats.`,
    here: (kindName) => `This chat is subscribed to ${kindName}, so it arrives here shortly.`,
    maybeHere: (kindName, kind) =>
      `It arrives here only if the config routes ${kindName} to this chat (or send /subscribe ${kind}).`,
    unrouted: (kindName, kind) =>
      `No chat takes ${kindName}, so nothing was sent. Send /subscribe ${kind} here or add a route to the config.`,
    duplicate: 'This sample was accepted before (same delivery key), so it was not sent again.',
  },
  order: {
    usage: 'Send the order number after the command, e.g. /order 12345.',
    needsApi: "Showing an order needs KeyCRM's API: set KEYCRM_API_KEY.",
    notFound: (id) => html`KeyCRM has no order ${id}.`,
  },
  error: 'Sorry, something went wrong; the details are in the log. Try again in a minute.',
}
