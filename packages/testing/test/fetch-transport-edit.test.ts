import { createFetchTransport } from '@keygram/core'
import { testTransportEdits } from '../src/adapter-suite/index.ts'

testTransportEdits('fetch', (apiRoot, token) => createFetchTransport({ token, apiRoot }))
