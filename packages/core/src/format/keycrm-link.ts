/**
 * Links to the KeyCRM web app.
 *
 * @module
 */

/**
 * The account name from a `keycrmDomain` option: `myshop`, `myshop.keycrm.app` or
 * `https://myshop.keycrm.app/…` all give `myshop`.
 *
 * @throws TypeError when the value is not a KeyCRM account name or host.
 */
export function normalizeKeycrmAccount(domain: string): string {
  const host = domain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/[/?#].*$/, '')
  const account = host.endsWith('.keycrm.app') ? host.slice(0, -'.keycrm.app'.length) : host
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(account)) {
    throw new TypeError(
      `keycrmDomain must be an account like "myshop" or "myshop.keycrm.app", got "${domain}"`,
    )
  }
  return account
}

/** The order page: `https://<account>.keycrm.app/app/orders/view/<id>`. */
export function keycrmOrderUrl(domain: string, orderId: number): string {
  return `https://${normalizeKeycrmAccount(domain)}.keycrm.app/app/orders/view/${orderId}`
}

/**
 * The funnel card (lead) page. KeyCRM documents only the order path; this one follows the same
 * pattern and is our best knowledge, not a documented URL.
 */
export function keycrmLeadUrl(domain: string, leadId: number): string {
  return `https://${normalizeKeycrmAccount(domain)}.keycrm.app/app/leads/view/${leadId}`
}
