/**
 * Authentication of webhook requests by their URL secret.
 *
 * @module
 */
import {
  type ExtractWebhookSecretOptions,
  extractWebhookSecret,
  type WebhookSecretSource,
} from './extract-secret.ts'
import { verifyWebhookSecret } from './verify-secret.ts'

/** Options of {@link authenticateWebhook}: the expected secret and where to look for it. */
export interface AuthenticateWebhookOptions extends ExtractWebhookSecretOptions {
  /** The configured webhook secret. */
  secret: string
}

/**
 * The outcome of {@link authenticateWebhook}. Failures say whether a secret was missing or wrong (for
 * logs), never what it was.
 */
export type AuthResult =
  | { ok: true; source: WebhookSecretSource }
  | { ok: false; reason: 'missing_secret' }
  | { ok: false; reason: 'wrong_secret'; source: WebhookSecretSource }

/**
 * Checks the secret a webhook request carries (see `extractWebhookSecret`) against `options.secret`
 * in constant time. Neither the result nor any error contains the provided or the expected secret.
 */
export async function authenticateWebhook(
  request: Request,
  options: AuthenticateWebhookOptions,
): Promise<AuthResult> {
  const found = extractWebhookSecret(request, options)
  if (found === null) return { ok: false, reason: 'missing_secret' }
  const ok = await verifyWebhookSecret(options.secret, found.secret)
  return ok ? { ok: true, source: found.source } : { ok: false, reason: 'wrong_secret', source: found.source }
}
