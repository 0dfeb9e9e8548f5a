/**
 * Connection URLs in messages, with the password hidden.
 *
 * @module
 */

/** Hides the password of a PostgreSQL URL so it can appear in an error message or a log line. */
export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    // `?password=` is accepted by node-postgres too.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
    return parsed.toString()
  } catch {
    return '<unparseable PostgreSQL URL>'
  }
}
