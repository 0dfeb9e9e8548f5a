import { expect, it } from 'vitest'
import { runSmoke } from '../test-runtime/smoke.ts'

// The same smoke test runs under Deno and Bun from `pnpm test:runtimes`; here it runs under Node.
it('passes the public-API smoke test under Node', async () => {
  expect(await runSmoke()).toEqual([
    'parse + deliveryKey',
    'readWebhook',
    'WebCrypto secret check',
    'format + split (Intl, HTML)',
    'card + hash',
    'guard',
    'store lease',
    'notifier + worker + memory store',
  ])
})
