/**
 * Finding the webhook secret a request carries.
 *
 * @module
 */

/** Where a secret was found. */
export type WebhookSecretSource = 'path' | 'query' | 'header'

/** Where to look for the secret. */
export interface ExtractWebhookSecretOptions {
  /** The path before the secret segment. Default `/webhooks/keycrm/`. */
  pathPrefix?: string
  /** The header carrying the secret (for senders other than KeyCRM, which cannot set headers). Default `x-keygram-secret`. */
  header?: string
  /** The query parameter carrying the secret. Default `secret`. */
  query?: string
}

/** A secret found in a request, and where. */
export interface ExtractedWebhookSecret {
  secret: string
  source: WebhookSecretSource
}

/** The default path before the secret segment. */
export const DEFAULT_WEBHOOK_PATH_PREFIX = '/webhooks/keycrm/'
/** The default header carrying the secret. */
export const DEFAULT_WEBHOOK_SECRET_HEADER = 'x-keygram-secret'
/** The default query parameter carrying the secret. */
export const DEFAULT_WEBHOOK_SECRET_QUERY = 'secret'

/**
 * Finds the candidate secret of a webhook request, looking in this order: the last path segment after
 * `pathPrefix` (`/webhooks/keycrm/<secret>`, percent-decoded), the `?secret=` query parameter, the
 * `x-keygram-secret` header. Empty values count as absent. Returns `null` when there is none.
 *
 * KeyCRM cannot sign webhooks or send headers, so the secret lives in the URL it is given.
 */
export function extractWebhookSecret(
  request: Request,
  options: ExtractWebhookSecretOptions = {},
): ExtractedWebhookSecret | null {
  const url = new URL(request.url)
  const fromPath = secretFromPath(url.pathname, options.pathPrefix ?? DEFAULT_WEBHOOK_PATH_PREFIX)
  if (fromPath !== null) return { secret: fromPath, source: 'path' }
  const fromQuery = url.searchParams.get(options.query ?? DEFAULT_WEBHOOK_SECRET_QUERY)
  if (fromQuery) return { secret: fromQuery, source: 'query' }
  const fromHeader = request.headers.get(options.header ?? DEFAULT_WEBHOOK_SECRET_HEADER)
  if (fromHeader) return { secret: fromHeader, source: 'header' }
  return null
}

function secretFromPath(pathname: string, pathPrefix: string): string | null {
  const prefix = pathPrefix.endsWith('/') ? pathPrefix : `${pathPrefix}/`
  if (!pathname.startsWith(prefix)) return null
  const segments = pathname.slice(prefix.length).split('/')
  // A trailing slash (`/webhooks/keycrm/<secret>/`) leaves an empty last segment.
  const segment = segments.findLast((part) => part !== '')
  if (segment === undefined) return null
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment // Malformed escapes: compare as sent, it just will not match.
  }
}
