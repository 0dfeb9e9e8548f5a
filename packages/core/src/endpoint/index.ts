/**
 * The KeyCRM webhook endpoint, ready to mount: a web-standard handler, and a bridge to `node:http` and
 * Express.
 *
 * @module
 */
export { createKeycrmWebhookHandler, type KeycrmWebhookHandlerOptions } from './handler.ts'
export { type NodeRequestLike, type NodeResponseLike, toNodeListener } from './node-listener.ts'
