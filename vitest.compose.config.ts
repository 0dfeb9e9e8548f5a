import { defineConfig } from 'vitest/config'
import { alias } from './vitest.config.ts'

/**
 * `pnpm test:compose`: the published Docker deployment, for real (packages/server-node/test/deploy/live/). The
 * global setup builds the images; each file brings one compose variant up against the fake Bot API, replays
 * the seed's redeploy and takes it down. Needs Docker and root (debootstrap): `.ci/run` installs and starts
 * what it needs. One file at a time: two deployments side by side would share two CPU cores.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/server-node/test/deploy/live/*.test.ts'],
    globalSetup: ['packages/server-node/test/deploy/live/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
  },
})
