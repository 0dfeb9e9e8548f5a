/**
 * KeyCRM webhooks: reading a request, parsing the body into typed events, and delivery keys.
 *
 * @module
 */
export { deliveryKey } from './delivery-key.ts'
export {
  isKeycrmWebhookError,
  KEYCRM_WEBHOOK_ERROR_STATUS,
  KeycrmWebhookError,
  type KeycrmWebhookErrorCode,
  type KeycrmWebhookErrorJson,
} from './errors.ts'
export { DEFAULT_MAX_WEBHOOK_BYTES, payloadTooLarge } from './limits.ts'
export { type ParseWebhookTextOptions, parseWebhook, parseWebhookText } from './parse.ts'
export { type ReadWebhookOptions, readLimitedBody, readWebhook } from './read.ts'
export type * from './types.ts'
