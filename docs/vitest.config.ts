import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { alias } from '../vitest.config.ts'

// The docs are their own workspace package (VitePress brings vite 5), so their tests run as their own
// vitest project from the root's vitest: the snippets the guides include, and the built site in a browser.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias },
  test: {
    include: ['snippets/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 240_000,
  },
})
