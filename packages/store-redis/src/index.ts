/**
 * `@keygram/store-redis`: the Keygram store for several replicas sharing one Redis (ioredis): durable
 * delivery queue, redelivery suppression, key-values and the single-instance guard with fencing tokens.
 *
 * @module
 */
export { REDIS_CONNECTION_DEFAULTS, type RedisStoreOptions, redisStore } from './store.ts'
