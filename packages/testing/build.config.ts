import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: [
    'src/index',
    // The multi-process adapter suite spawns this file with plain Node: it must ship as its own module,
    // next to the bundle (see src/adapter-suite/processes.ts).
    { input: 'src/adapter-suite/child-poller', name: 'child-poller', declaration: false },
  ],
  declaration: 'node16',
  clean: true,
  rollup: { emitCJS: false },
})
