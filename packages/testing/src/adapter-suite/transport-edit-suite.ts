/**
 * The suite every {@link TelegramTransport} that edits runs: `editMessageText` against the fake Bot API,
 * with the answers live order cards depend on.
 *
 * @module
 */
import type { TelegramTransport } from '@keygram/core'
import { describe, expect, it } from 'vitest'
import { createFakeBotApi } from '../fake-bot-api/index.ts'

/** Builds the transport under test for a fake's API root and token. */
export type TransportFactory = (apiRoot: string, token: string) => TelegramTransport

const html = (text: string) => ({
  text,
  parse_mode: 'HTML' as const,
  link_preview_options: { is_disabled: true },
})

/**
 * Registers the edit suite (vitest `describe`/`it`): an edit replaces text and buttons in place; "not
 * modified", a deleted and a frozen message, a 429 and a 5xx come back classified, never thrown.
 */
export function testTransportEdits(name: string, createTransport: TransportFactory): void {
  describe(`${name} transport: editMessageText`, () => {
    it('edits in place and classifies every answer an edit can get', async () => {
      const fake = await createFakeBotApi({ limits: { enabled: false } })
      try {
        const transport = createTransport(fake.url, fake.token)
        const edit = transport.editMessageText?.bind(transport)
        expect(edit, 'the transport edits').toBeTypeOf('function')
        if (edit === undefined) return
        const button = { inline_keyboard: [[{ text: 'Open', url: 'https://example.com/1' }]] }
        const sent = await transport.sendMessage({ chatId: '-1001' }, html('<b>New</b>'))
        if (!sent.ok) throw new Error(`send failed: ${sent.description}`)

        const edited = await edit({ chatId: '-1001' }, sent.messageId, {
          ...html('<b>Shipped</b>'),
          reply_markup: button,
          disable_notification: true,
        })
        expect(edited).toEqual({ ok: true, messageId: sent.messageId })
        expect(fake.message(-1001, sent.messageId)).toMatchObject({
          text: 'Shipped',
          edited: true,
          reply_markup: button,
        })
        expect(fake.edits.at(-1)).toMatchObject({
          chat_id: -1001,
          message_id: sent.messageId,
          parse_mode: 'HTML',
        })

        const same = { ...html('<b>Shipped</b>'), reply_markup: button }
        expect(await edit({ chatId: '-1001' }, sent.messageId, same)).toMatchObject({
          ok: false,
          kind: 'not_modified',
          errorCode: 400,
        })
        fake.freezeMessage(-1001, sent.messageId)
        expect(await edit({ chatId: '-1001' }, sent.messageId, html('x'))).toMatchObject({
          ok: false,
          kind: 'message_not_editable',
        })
        fake.deleteMessage(-1001, sent.messageId)
        expect(await edit({ chatId: '-1001' }, sent.messageId, html('x'))).toMatchObject({
          ok: false,
          kind: 'message_not_editable',
        })

        fake.fail('editMessageText', { status: 429, retryAfter: 5 })
        expect(await edit({ chatId: '-1001' }, 1, html('x'))).toMatchObject({
          ok: false,
          kind: 'rate_limited',
          retryAfter: 5,
        })
        fake.fail('editMessageText', { status: 502 })
        expect(await edit({ chatId: '-1001' }, 1, html('x'))).toMatchObject({
          ok: false,
          kind: 'server_error',
        })
        expect(JSON.stringify(fake.calls.map((call) => call.params))).not.toContain(fake.token)
      } finally {
        await fake.close()
      }
    })
  })
}
