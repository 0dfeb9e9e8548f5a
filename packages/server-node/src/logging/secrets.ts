/**
 * The secrets of a configuration, for redaction.
 *
 * @module
 */
import type { KeygramConfig } from '../config/types.ts'

/** Every secret value in `config` (bot token, webhook secret, KeyCRM API key, store password). */
export function configSecrets(config: KeygramConfig): string[] {
  const secrets = [config.webhookSecret, config.actions.secret]
  if (config.botToken !== null) secrets.push(config.botToken)
  if (config.keycrm.apiKey !== null) secrets.push(config.keycrm.apiKey)
  if (config.store.kind === 'redis' || config.store.kind === 'postgres') {
    try {
      const url = new URL(config.store.url)
      if (url.password !== '') secrets.push(decodeURIComponent(url.password), url.password)
      const inQuery = url.searchParams.get('password')
      if (inQuery) secrets.push(inQuery)
    } catch {
      // An unparsable URL was refused by the config already.
    }
  }
  return secrets.filter((secret) => secret.length > 0)
}
