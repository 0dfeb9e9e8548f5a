/**
 * Loading the configuration: `.env`, the environment and an optional `keygram.config.ts`, through c12.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { basename, isAbsolute, resolve } from 'node:path'
import { loadConfig as loadC12, loadDotenv } from 'c12'
import { ConfigError } from './errors.ts'
import { type EnvRecord, resolveConfig } from './resolve.ts'
import type { KeygramConfig, KeygramUserConfig } from './types.ts'

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Folder of `.env` and `keygram.config.*`. Default `process.cwd()`. */
  cwd?: string
  /**
   * The config file, relative to `cwd`. Default `$KEYGRAM_CONFIG` or `keygram.config` (any extension c12
   * reads). A file named here or by `KEYGRAM_CONFIG` must exist; the default one may be absent.
   */
  configFile?: string
  /**
   * The environment to read. Default `process.env`. Values from `.env` are added to it where it has none
   * (a variable set in the real environment wins).
   */
  env?: EnvRecord
  /** Read `.env`. Default `true`. */
  dotenv?: boolean
  /** Values that win over both the file and the environment (e.g. CLI flags). */
  overrides?: KeygramUserConfig
  /** Whether stdout is a terminal, for the default log format. Default `process.stdout.isTTY`. */
  isTTY?: boolean
}

/**
 * Loads and validates the configuration. Nothing is started, so an invalid configuration fails before
 * any port opens.
 *
 * @throws {ConfigError} with one message per problem (secrets are never echoed).
 * @example
 * ```ts
 * const config = await loadConfig()
 * const server = createKeygramServer(config)
 * ```
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<KeygramConfig> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const env = options.env ?? process.env
  const named = options.configFile ?? nonEmpty(env.KEYGRAM_CONFIG)
  const configFile = named ?? 'keygram.config'
  const dotenvNames = options.dotenv === false ? new Set<string>() : await addDotenv(cwd, env)
  let loaded: { config: unknown; _configFile?: string | undefined }
  try {
    loaded = await loadC12<Record<string, unknown>>({
      name: 'keygram',
      cwd,
      configFile,
      dotenv: false,
      rcFile: false,
      globalRc: false,
      packageJson: false,
      envName: false,
      giget: false,
      extend: false,
      // Only a config file imports them; without one, the server's modules are not loaded for nothing.
      jitiOptions: { virtualModules: hasConfigFile(cwd, configFile) ? await configModules() : {} },
    })
  } catch (error) {
    // A syntax or import error in the config file: say which file, keep the cause for the stack.
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error)
    throw new ConfigError([`${configFile}: could not be loaded: ${reason}`])
  }
  const file = loaded._configFile ?? null
  if (file === null && named !== undefined) throw new ConfigError([missingFile(named, cwd, options)])
  const fileConfig = { ...(loaded.config as Record<string, unknown>), ...options.overrides }
  return resolveConfig(Object.keys(fileConfig).length === 0 ? undefined : fileConfig, env, {
    configFileLabel: file === null ? 'config' : basename(file),
    configFile: file,
    isTTY: options.isTTY ?? process.stdout.isTTY === true,
    dotenvNames,
  })
}

/**
 * Adds the `.env` file's variables to `env` where it has none (the real environment wins) and returns
 * their names, so `doctor` can say where each value came from.
 */
async function addDotenv(cwd: string, env: EnvRecord): Promise<Set<string>> {
  const real = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined))
  const merged = await loadDotenv({ cwd, fileName: '.env', env: real, interpolate: true })
  const added = new Set<string>()
  for (const [name, value] of Object.entries(merged)) {
    if (env[name] !== undefined || name.startsWith('_')) continue
    env[name] = value
    added.add(name)
  }
  return added
}

/**
 * The modules a config file may import without any installation: the running server's own
 * `@keygram/server-node` and `@keygram/core`. A fresh clone (no `dist/` yet), the Docker image (one
 * bundled file, no `node_modules`) and a project with the package installed all load the same config,
 * and it always sees the version of the server that runs it.
 */
async function configModules(): Promise<Record<string, unknown>> {
  const [server, core] = await Promise.all([import('../index.ts'), import('@keygram/core')])
  return { '@keygram/server-node': server, '@keygram/core': core }
}

// The extensions c12 loads, as it tries them, and the `.config/` folder it also looks in.
const EXTENSIONS = [
  '',
  '.js',
  '.ts',
  '.mjs',
  '.cjs',
  '.mts',
  '.cts',
  '.json',
  '.jsonc',
  '.json5',
  '.yaml',
  '.yml',
  '.toml',
]

/** Whether c12 will find a config file for `configFile` in `cwd`. */
function hasConfigFile(cwd: string, configFile: string): boolean {
  const bases = [
    resolve(cwd, configFile),
    resolve(cwd, '.config', configFile.replace(/\.config$/, '')),
    resolve(cwd, '.config', configFile),
  ]
  return bases.some((base) => EXTENSIONS.some((extension) => existsSync(base + extension)))
}

function missingFile(named: string, cwd: string, options: LoadConfigOptions): string {
  const where = isAbsolute(named) ? named : `${named} (in ${cwd})`
  return options.configFile === undefined
    ? `KEYGRAM_CONFIG names a config file that does not exist: ${where}`
    : `the config file ${where} does not exist`
}

/**
 * Types a `keygram.config.ts` export.
 *
 * @example
 * ```ts
 * // keygram.config.ts
 * import { defineKeygramConfig } from '@keygram/server-node'
 * export default defineKeygramConfig({
 *   routes: [{ chatId: -1001234567890, threadId: 7, kinds: ['order_status'], statusIds: [3, 4] }],
 * })
 * ```
 */
export function defineKeygramConfig(config: KeygramUserConfig): KeygramUserConfig {
  return config
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
