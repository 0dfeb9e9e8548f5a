/**
 * Bad day on PostgreSQL: a private cluster (its own port and folder, never the shared 5432) is stopped while
 * KeyCRM webhooks keep arriving at a real `keygram serve`, then started again. PostgreSQL outages were
 * already answered fast; this holds that, and the log: a few lines per outage, not one per webhook.
 */
import { afterEach, describe, it } from 'vitest'
import { freePort, privatePostgres } from './private-services.ts'
import { expectStopStartOutage } from './stop-start-outage.ts'
import { type OutageServer, startOutageServer, tempDir } from './store-outage.ts'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('bad day: the PostgreSQL store stops and comes back', () => {
  it('answers every webhook 503 store_unavailable within the deadline, logs the outage in a few lines, loses nothing', async () => {
    const folder = tempDir('keygram-bad-pg-')
    cleanups.push(folder.remove)
    const postgres = privatePostgres(await freePort(), folder.dir)
    await postgres.start()
    cleanups.push(postgres.stop)
    const server: OutageServer = await startOutageServer(postgres.url, folder.dir)
    cleanups.push(server.stop)

    await expectStopStartOutage('postgres stopped', server, postgres)
  }, 120_000)
})
