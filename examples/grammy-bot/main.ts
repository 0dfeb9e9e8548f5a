/**
 * Runs the example from environment variables: `BOT_TOKEN`, `WEBHOOK_SECRET`, `CHAT_ID`, and optionally
 * `ADMIN_IDS` (comma-separated), `DATA_DIR` (default `./data`), `PORT` (default 9000), `HOST` (default
 * `0.0.0.0`), `TELEGRAM_API_ROOT`.
 *
 * @module
 */
import { start } from './keygram.ts'

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback
  if (value === undefined || value === '') throw new Error(`${name} is required (see README.md)`)
  return value
}

const running = await start({
  token: env('BOT_TOKEN'),
  webhookSecret: env('WEBHOOK_SECRET'),
  chatId: env('CHAT_ID'),
  admins: (process.env.ADMIN_IDS ?? '').split(',').filter((id) => id.trim() !== ''),
  dataDir: env('DATA_DIR', './data'),
  port: Number(env('PORT', '9000')),
  host: env('HOST', '0.0.0.0'),
  ...(process.env.TELEGRAM_API_ROOT ? { apiRoot: process.env.TELEGRAM_API_ROOT } : {}),
})
console.log(`KeyCRM webhooks: ${running.url}/webhooks/keycrm/<WEBHOOK_SECRET>`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error)
        process.exit(1)
      },
    )
  })
}
