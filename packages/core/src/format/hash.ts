/**
 * A small, stable fingerprint of a rendered message, so a card whose text and buttons did not change is
 * not edited again (Telegram would answer "message is not modified", and the edit would still cost pace).
 *
 * @module
 */
import type { TelegramMessage } from '../telegram/types.ts'

const encoder = new TextEncoder()

/**
 * 64-bit FNV-1a over `bytes`, as 16 hex digits. Hand-written because the Web Crypto API offers only
 * asynchronous cryptographic digests (more than a change detector needs, and a `Promise` per card), and no
 * dependency is worth 20 lines. The 64-bit product is computed in two 32-bit halves: FNV's 64-bit prime is
 * 2^40 + 0x1b3, so `h * prime = h * 0x1b3 + (h << 40)`, exact in doubles.
 */
export function fnv1a64(bytes: Uint8Array): string {
  let high = 0xcbf29ce4
  let low = 0x84222325
  for (const byte of bytes) {
    low ^= byte
    const lowProduct = (low >>> 0) * 0x1b3
    const carry = Math.floor(lowProduct / 0x1_0000_0000)
    high = (Math.imul(high, 0x1b3) + carry + (low << 8)) >>> 0
    low = lowProduct >>> 0
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0')
}

/**
 * A stable hash of what an edit would change: the message's text and its inline keyboard (16 hex digits).
 * Equal messages give equal hashes on every runtime and in every process; store it with the card and skip
 * an edit whose new hash is the same. A callback button counts by its label only: its `callback_data` (an
 * action token, signed anew on every render) is not something the chat sees.
 *
 * @example
 * ```ts
 * const card = formatCard({ event, history }, format)
 * if (messageHash(card) !== state.hash) await editCard(card)
 * ```
 */
export function messageHash(message: Pick<TelegramMessage, 'text' | 'reply_markup'>): string {
  // JSON keeps the two parts apart whatever the text holds; key order is the renderer's, hence stable.
  const keyboard = message.reply_markup?.inline_keyboard.map((row) =>
    row.map((button) => ('callback_data' in button ? { text: button.text, callback_data: '' } : button)),
  )
  const markup = keyboard === undefined ? null : { inline_keyboard: keyboard }
  return fnv1a64(encoder.encode(JSON.stringify([message.text, markup])))
}
