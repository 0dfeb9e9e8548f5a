import { testTransportEdits } from '@keygram/testing'
import { Telegraf } from 'telegraf'
import { createTelegrafTransport } from '../src/index.ts'

testTransportEdits('Telegraf', (apiRoot, token) =>
  createTelegrafTransport(new Telegraf(token, { telegram: { apiRoot } }).telegram),
)
