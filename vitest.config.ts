import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests run against the TypeScript sources, so a change is tested without a rebuild.
export const alias = {
  '@keygram/core': src('core'),
  '@keygram/testing': src('testing'),
  '@keygram/adapter-telegraf': src('adapter-telegraf'),
  '@keygram/adapter-grammy': src('adapter-grammy'),
  '@keygram/server-node': src('server-node'),
  '@keygram/store-sqlite': src('store-sqlite'),
  '@keygram/store-redis': src('store-redis'),
  '@keygram/store-postgres': src('store-postgres'),
}

export default defineConfig({
  resolve: { alias },
  test: {
    // test/: checks of the repository as a whole (its boundary, a fresh clone, JSR packaging, engines).
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Soak, fuzz, security, the kill -9 fault tests and the multi-process polling tests run in
    // `pnpm test:reliability` (vitest.reliability.config.ts), one file at a time.
    exclude: [
      '**/node_modules/**',
      '**/reliability/**',
      'packages/server-node/test/fault/**',
      'packages/adapter-*/test/polling.test.ts',
      // Docker deployments, run by `pnpm test:compose` (vitest.compose.config.ts).
      'packages/server-node/test/deploy/live/**',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
