import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  // The CLI is its own entry: `bin/keygram.mjs` runs `dist/cli.mjs` in a published install (no sources).
  entries: ['src/index', 'src/cli'],
  declaration: 'node16',
  clean: true,
  rollup: { emitCJS: false },
})
