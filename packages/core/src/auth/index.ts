/**
 * Webhook authentication: the URL secret (constant-time), IP allowlists, and log redaction.
 *
 * @module
 */
export { type AuthenticateWebhookOptions, type AuthResult, authenticateWebhook } from './authenticate.ts'
export {
  DEFAULT_WEBHOOK_PATH_PREFIX,
  DEFAULT_WEBHOOK_SECRET_HEADER,
  DEFAULT_WEBHOOK_SECRET_QUERY,
  type ExtractedWebhookSecret,
  type ExtractWebhookSecretOptions,
  extractWebhookSecret,
  type WebhookSecretSource,
} from './extract-secret.ts'
export { createIpAllowlist } from './ip-allowlist.ts'
export { createRedactor, REDACTED, redactSecret } from './redact.ts'
export { verifyWebhookSecret } from './verify-secret.ts'
