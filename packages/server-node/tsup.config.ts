/**
 * Bundles the `keygram` CLI into one deployable file, `bundle/keygram.mjs`, for the Docker image and for
 * copying to a plain server. Everything is inlined except the native SQLite binding, which is copied
 * next to the bundle as `bundle/node_modules/` (only the files it needs at run time), so the `bundle/`
 * folder runs on its own: `node bundle/keygram.mjs serve`.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number]

const packageDir = dirname(fileURLToPath(import.meta.url))
const outDir = join(packageDir, 'bundle')

/** Packages that stay outside the bundle: a `.node` addon cannot be inlined, and `bindings` locates it. */
const NATIVE = ['better-sqlite3', 'bindings']

/** Install-time helpers of the native packages: never loaded at run time, so never shipped. */
const INSTALL_ONLY = new Set(['prebuild-install', 'node-gyp-build', 'node-addon-api'])

/** What a shipped package keeps; `better-sqlite3` carries 20+ MB of C sources and build objects. */
const KEEP: Record<string, (path: string) => boolean> = {
  'better-sqlite3': (path) =>
    path === '' ||
    path === 'package.json' ||
    path === 'LICENSE' ||
    path === 'lib' ||
    path.startsWith(`lib${sep}`) ||
    path === 'build' ||
    path === join('build', 'Release') ||
    path === join('build', 'Release', 'better_sqlite3.node'),
}

/**
 * c12 loads `keygram.config.ts` through jiti, whose entry `require`s its Babel transform lazily through
 * `createRequire(import.meta.url)` and a path relative to its own file, which esbuild cannot follow and a
 * bundle does not have. Rewritten to a plain `require` of the same file, esbuild bundles the transform and
 * still loads it only on first use: a start without a TypeScript config file never evaluates Babel (about
 * 100 ms and several MB of heap). jiti's `jiti/static` entry would import it eagerly.
 */
const JITI_LAZY_BABEL = 'createRequire(import.meta.url)("../dist/babel.cjs")'
const jitiLazyBabel: EsbuildPlugin = {
  name: 'keygram-jiti-lazy-babel',
  setup(build) {
    build.onLoad({ filter: /[\\/]jiti[\\/]lib[\\/]jiti\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(JITI_LAZY_BABEL)) {
        throw new Error(`${args.path} no longer loads Babel with ${JITI_LAZY_BABEL}: update tsup.config.ts`)
      }
      return { contents: source.replace(JITI_LAZY_BABEL, 'require("../dist/babel.cjs")'), loader: 'js' }
    })
  },
}

/** The folder of `name` as Node would resolve it from `fromDir`. */
function packageRoot(name: string, fromDir: string): string {
  const require = createRequire(join(fromDir, 'package.json'))
  return dirname(require.resolve(`${name}/package.json`))
}

/**
 * Copies `name` and its run-time dependencies (resolved the way Node would, symlinks followed) into
 * `bundle/node_modules`, flat, so the bundle needs no `pnpm install` where it runs.
 */
function shipNative(name: string, fromDir: string, shipped: Set<string>): void {
  if (shipped.has(name) || INSTALL_ONLY.has(name)) return
  shipped.add(name)
  const root = packageRoot(name, fromDir)
  const keep = KEEP[name] ?? (() => true)
  cpSync(root, join(outDir, 'node_modules', name), {
    recursive: true,
    dereference: true,
    filter: (source) => {
      const path = relative(root, source)
      return !path.split(sep).includes('node_modules') && keep(path)
    },
  })
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>
  }
  for (const dependency of Object.keys(manifest.dependencies ?? {})) shipNative(dependency, root, shipped)
}

export default defineConfig({
  entry: { keygram: 'src/cli.ts' },
  outDir: 'bundle',
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  // One file: dynamic imports inside dependencies are inlined instead of split into chunks.
  splitting: false,
  clean: true,
  dts: false,
  sourcemap: false,
  minify: false,
  // esbuild renames a class that shadows a global (the abort-controller polyfill's `AbortSignal` becomes
  // `AbortSignal2`), and node-fetch, which grammY and Telegraf call Telegram with, accepts a signal only when
  // its constructor is named "AbortSignal": without the original names every Bot API call fails.
  keepNames: true,
  shims: true,
  // Workspace packages resolve to their TypeScript sources through the root `paths`, so the bundle
  // never depends on a stale `dist/`.
  tsconfig: join(packageDir, '..', '..', 'tsconfig.json'),
  // tsup checks `noExternal` before `external`, so the native packages must be left out of this pattern.
  noExternal: [new RegExp(`^(?!(?:${NATIVE.join('|')})(?:/|$))`)],
  external: NATIVE,
  esbuildPlugins: [jitiLazyBabel],
  // CommonJS dependencies call `require` (and read `__dirname`, shimmed above); ESM has neither.
  banner: {
    js: "import { createRequire as __keygramCreateRequire } from 'node:module'\nconst require = __keygramCreateRequire(import.meta.url)",
  },
  async onSuccess() {
    rmSync(join(outDir, 'node_modules'), { recursive: true, force: true })
    mkdirSync(join(outDir, 'node_modules'), { recursive: true })
    // better-sqlite3 is a dependency of the SQLite store, not of this package.
    const storeDir = join(packageDir, '..', 'store-sqlite')
    const shipped = new Set<string>()
    shipNative('better-sqlite3', existsSync(storeDir) ? storeDir : packageDir, shipped)
  },
})
