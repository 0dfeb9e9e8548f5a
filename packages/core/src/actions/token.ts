/**
 * The tokens action buttons carry in `callback_data`: compact (at most 64 bytes, Telegram's limit, with the
 * largest ids KeyCRM and Telegram use), HMAC-signed, expiring, and bound to the chat, the card's message,
 * the order or lead, and the transition. A forged, altered or expired token does not verify.
 *
 * Hand-written rather than a JWT or PASETO library: those encode JSON and a header and need 150+ bytes,
 * more than `callback_data` holds; this is a fixed binary layout signed with Web Crypto's HMAC-SHA256.
 *
 * Layout (44 bytes, 59 characters of base64url):
 * version+step (1) | chat id (int64, 8) | message id (uint32, 4) | entity (1) | entity id (uint48, 6) |
 * from status (uint32, 4) | to status (uint32, 4) | expires at (uint32 epoch seconds, 4) | MAC (12)
 *
 * @module
 */

/** What pressing the button asks for. */
export type ActionStep =
  /** The transition's button on the card: apply it, or ask to confirm it first. */
  | 'go'
  /** "Confirm <status>?": apply it. */
  | 'confirm'
  /** "Back": the card's own buttons again. */
  | 'back'

/** What a token says. */
export interface ActionClaims {
  step: ActionStep
  chatId: string
  /** The card's message, or 0 when the token was made before it had one (the chat's current card then). */
  messageId: number
  entity: 'order' | 'lead'
  id: number
  /** The status the card showed when the button was made. */
  fromStatus: number
  /** The status the button moves it to. */
  toStatus: number
  /** Epoch seconds; the token is stale from then on (also what tells two renders of one button apart). */
  expiresAt: number
}

const VERSION = 1
const STEPS: readonly ActionStep[] = ['go', 'confirm', 'back']
const BODY_BYTES = 32
const MAC_BYTES = 12
/** Length of a token in characters (all ASCII, so bytes too): under `callback_data`'s 64. */
export const ACTION_TOKEN_LENGTH: number = Math.ceil(((BODY_BYTES + MAC_BYTES) * 4) / 3)
const MAX_UINT32 = 0xffff_ffff
const MAX_UINT48 = 2 ** 48 - 1

/** Why a token was refused. */
export type TokenRefusal = 'malformed' | 'forged' | 'expired'

/** Signs and verifies action tokens with one key. */
export interface ActionTokens {
  sign(claims: ActionClaims): Promise<string>
  /** The claims of a valid, unexpired token at `nowSeconds`, or why not. */
  verify(
    token: string,
    nowSeconds: number,
  ): Promise<{ ok: true; claims: ActionClaims } | { ok: false; reason: TokenRefusal }>
}

/**
 * Creates the signer. `secret` should be long and private: the server derives it from the webhook secret;
 * anyone who has it can make buttons that change orders.
 */
export async function createActionTokens(secret: string): Promise<ActionTokens> {
  if (secret.length < 16)
    throw new RangeError('createActionTokens: the secret must have at least 16 characters')
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(`keygram-actions-v1:${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )
  // A copy in a fresh ArrayBuffer: Web Crypto takes no view of a shared buffer.
  const mac = async (body: Uint8Array) =>
    new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array(body))).subarray(0, MAC_BYTES)

  return {
    async sign(claims) {
      const body = encodeBody(claims)
      const token = new Uint8Array(BODY_BYTES + MAC_BYTES)
      token.set(body)
      token.set(await mac(body), BODY_BYTES)
      return toBase64Url(token)
    },
    async verify(token, nowSeconds) {
      const bytes = fromBase64Url(token)
      if (bytes === null || bytes.length !== BODY_BYTES + MAC_BYTES) return { ok: false, reason: 'malformed' }
      const body = bytes.subarray(0, BODY_BYTES)
      if (!equalBytes(await mac(body), bytes.subarray(BODY_BYTES))) return { ok: false, reason: 'forged' }
      const claims = decodeBody(body)
      if (claims === null) return { ok: false, reason: 'malformed' }
      if (nowSeconds >= claims.expiresAt) return { ok: false, reason: 'expired' }
      return { ok: true, claims }
    },
  }
}

function encodeBody(claims: ActionClaims): Uint8Array {
  const body = new Uint8Array(BODY_BYTES)
  const view = new DataView(body.buffer)
  const step = STEPS.indexOf(claims.step)
  if (step < 0) throw new RangeError(`action token: unknown step ${claims.step}`)
  view.setUint8(0, (VERSION << 4) | step)
  view.setBigInt64(1, chatIdBits(claims.chatId))
  view.setUint32(9, uint(claims.messageId, MAX_UINT32, 'messageId'))
  view.setUint8(13, claims.entity === 'lead' ? 1 : 0)
  const id = uint(claims.id, MAX_UINT48, 'id')
  view.setUint16(14, Math.floor(id / 2 ** 32))
  view.setUint32(16, id % 2 ** 32)
  view.setUint32(20, uint(claims.fromStatus, MAX_UINT32, 'fromStatus'))
  view.setUint32(24, uint(claims.toStatus, MAX_UINT32, 'toStatus'))
  view.setUint32(28, uint(claims.expiresAt, MAX_UINT32, 'expiresAt'))
  return body
}

function decodeBody(body: Uint8Array): ActionClaims | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const head = view.getUint8(0)
  const step = STEPS[head & 0x0f]
  if (head >> 4 !== VERSION || step === undefined) return null
  const entity = view.getUint8(13)
  if (entity > 1) return null
  return {
    step,
    chatId: view.getBigInt64(1).toString(),
    messageId: view.getUint32(9),
    entity: entity === 1 ? 'lead' : 'order',
    id: view.getUint16(14) * 2 ** 32 + view.getUint32(16),
    fromStatus: view.getUint32(20),
    toStatus: view.getUint32(24),
    expiresAt: view.getUint32(28),
  }
}

/** Whether `data` has the shape of an action token (the callback data of a Keygram action button). */
export function isActionTokenShape(data: string): boolean {
  return data.length === ACTION_TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(data)
}

/** Whether a chat id can be bound into a token: a numeric id (a `@username` cannot). */
export function isTokenChatId(chatId: string): boolean {
  return /^-?\d{1,19}$/.test(chatId) && BigInt(chatId) >= -(2n ** 63n) && BigInt(chatId) < 2n ** 63n
}

function chatIdBits(chatId: string): bigint {
  if (!isTokenChatId(chatId)) throw new RangeError(`action token: chat ${chatId} has no numeric id`)
  return BigInt(chatId)
}

function uint(value: number, max: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    throw new RangeError(`action token: ${name} ${value} is out of range 0-${max}`)
  return value
}

/** Constant-time: the MAC comparison must not tell how many bytes matched. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!
  return difference === 0
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// base64url by hand: Uint8Array.toBase64 is not on every runtime yet, and btoa works on strings of bytes.
function toBase64Url(bytes: Uint8Array): string {
  let text = ''
  for (let index = 0; index < bytes.length; index += 3) {
    const chunk = (bytes[index]! << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - index) * 8) / 6))
    for (let char = 0; char < chars; char++) text += ALPHABET[(chunk >> (18 - 6 * char)) & 63]
  }
  return text
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8))
  let bits = 0
  let value = 0
  let out = 0
  for (const char of text) {
    value = (value << 6) | ALPHABET.indexOf(char)
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[out++] = (value >> bits) & 0xff
    }
  }
  // Left-over bits must be zero, or two texts would decode to one token.
  if ((value & ((1 << bits) - 1)) !== 0) return null
  return bytes
}
