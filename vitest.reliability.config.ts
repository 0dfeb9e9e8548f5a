import { defineConfig } from 'vitest/config'
import { alias } from './vitest.config.ts'

/**
 * `pnpm test:reliability`: the suites that prove the promises under stress, bounded to a few minutes. The
 * new ones live in `packages/<package>/test/reliability/` (soak, fuzz, security; excluded from
 * `pnpm test:unit`), with the fault tests (kill -9, store outages) and the two-poller guard tests
 * (excluded from the unit run too, so each runs once in `pnpm test`).
 */
export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/test/reliability/**/*.test.ts',
      'packages/server-node/test/fault/*.test.ts',
      'packages/adapter-grammy/test/polling.test.ts',
      'packages/adapter-telegraf/test/polling.test.ts',
    ],
    // One file at a time: the soak's memory and rate measurements must not share the CPU with a fault test.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
