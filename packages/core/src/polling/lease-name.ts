/**
 * The lease name of a bot's poller, derived from its token without revealing it.
 *
 * @module
 */

/**
 * `polling:<bot id>` for a token `<bot id>:<secret>`: instances of one bot agree on it, different bots
 * never collide, and the secret half never reaches the guard's storage or health reports.
 *
 * @throws TypeError when the token does not start with a numeric bot id and a colon.
 */
export function pollingLeaseName(token: string): string {
  const match = /^(\d+):/.exec(token)
  if (match === null) throw new TypeError('pollingLeaseName: the bot token must look like <bot id>:<secret>')
  return `polling:${match[1]}`
}
