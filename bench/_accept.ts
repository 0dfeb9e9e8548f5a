import { measureAcceptLogging } from './lib/accept-log.ts'

for (let i = 0; i < 3; i++)
  console.log(await measureAcceptLogging({ webhooks: 10_000, passes: 20, firstIndex: i * 1_000_000 }))
