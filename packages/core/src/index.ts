/**
 * `@keygram/core`: KeyCRM webhooks to Telegram notifications, on web standards only
 * (runs on Node, Deno and Bun).
 *
 * @module
 */
export * from './actions/index.ts'
export * from './auth/index.ts'
export * from './budgets/index.ts'
export * from './commands/index.ts'
export * from './delivery/index.ts'
export * from './digest/index.ts'
export * from './endpoint/index.ts'
export * from './enrich/index.ts'
export * from './format/index.ts'
export * from './guard/index.ts'
export * from './keycrm/index.ts'
export * from './polling/index.ts'
export * from './stock/index.ts'
export * from './stores/index.ts'
export * from './telegram/index.ts'
export * from './webhook/index.ts'
