/**
 * Loading the configuration: `.env`, the environment and an optional `keygram.config.ts`, through c12.
 *
 * @module
 */
import { basename } from 'node:path'
import { loadConfig as loadC12 } from 'c12'
import { ConfigError } from './errors.ts'
import { type EnvRecord, resolveConfig } from './resolve.ts'
import type { KeygramConfig, KeygramUserConfig } from './types.ts'

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Folder of `.env` and `keygram.config.*`. Default `process.cwd()`. */
  cwd?: string
  /** The config file, relative to `cwd`. Default `$KEYGRAM_CONFIG` or `keygram.config` (any extension c12 reads). */
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
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const configFile = options.configFile ?? nonEmpty(env.KEYGRAM_CONFIG) ?? 'keygram.config'
  let loaded: { config: unknown; configFile?: string | undefined; _configFile?: string | undefined }
  try {
    loaded = await loadC12<Record<string, unknown>>({
      name: 'keygram',
      cwd,
      configFile,
      dotenv: options.dotenv === false ? false : { env },
      rcFile: false,
      globalRc: false,
      packageJson: false,
      envName: false,
      giget: false,
      extend: false,
    })
  } catch (error) {
    // A syntax or import error in the config file: say which file, keep the cause for the stack.
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error)
    throw new ConfigError([`${configFile}: could not be loaded: ${reason}`])
  }
  const file = loaded._configFile ?? null
  const fileConfig = { ...(loaded.config as Record<string, unknown>), ...options.overrides }
  return resolveConfig(Object.keys(fileConfig).length === 0 ? undefined : fileConfig, env, {
    configFileLabel: file === null ? 'config' : basename(file),
    configFile: file,
    isTTY: options.isTTY ?? process.stdout.isTTY === true,
  })
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
