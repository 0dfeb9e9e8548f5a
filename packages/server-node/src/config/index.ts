/**
 * Configuration: environment variables, `.env` and `keygram.config.ts`, validated before anything starts.
 *
 * @module
 */
export { ENV_VARIABLES, type EnvVariable } from './env.ts'
export { ConfigError } from './errors.ts'
export { defineKeygramConfig, type LoadConfigOptions, loadConfig } from './load.ts'
export { DEMO_WEBHOOK_SECRET, type ResolveConfigContext, resolveConfig } from './resolve.ts'
export type { EnvRecord } from './sources.ts'
export {
  DEFAULT_STORE_URL,
  describeStore,
  parseStoreUrl,
  type StoreLocation,
  type StoreUrlResult,
} from './store-url.ts'
export type * from './types.ts'
