/**
 * `@keygram/server-node`: the Keygram server (KeyCRM webhooks on 9000, the Telegram bot on 9001), its
 * configuration and the `keygram` CLI, for Node.
 *
 * @module
 */
export {
  type BotAppOptions,
  createBotApp,
  type PollingHealth,
  type PollingStatusLike,
  pollingHealth,
} from './bot-app.ts'
export * from './config/index.ts'
export {
  type ConsoleTransportOptions,
  createConsoleTransport,
  renderNotification,
} from './console-transport.ts'
export { configSecrets, createLogger, type KeygramLogger, type LoggerOptions } from './logging/index.ts'
export {
  createKeygramMetrics,
  createMetricsRegistry,
  type KeygramMetrics,
  type MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/index.ts'
export { openStore } from './open-store.ts'
export { DEMO_CHAT_ID } from './routing.ts'
export { type SampleWebhook, sampleWebhooks } from './samples.ts'
export { type ServeOptions, serve } from './serve.ts'
export {
  createKeygramServer,
  type KeygramServer,
  type KeygramServerAddresses,
  type KeygramServerOptions,
} from './server.ts'
export { STORE_DEADLINE_MS, StoreDeadlineError } from './store-deadline.ts'
export { type AppLogger, createWebhookApp, type WebhookAppOptions } from './webhook-app.ts'
