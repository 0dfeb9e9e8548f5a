import { testTransportEdits } from '@keygram/testing'
import { Bot } from 'grammy'
import { createGrammyTransport } from '../src/index.ts'

testTransportEdits('grammY', (apiRoot, token) =>
  createGrammyTransport(new Bot(token, { client: { apiRoot } }).api),
)
