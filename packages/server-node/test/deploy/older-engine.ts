/**
 * What changes when the published deployment runs on Docker Engine 20.10 with docker-compose 1.29 (Debian 12's
 * `docker.io` and `docker-compose` packages) instead of a current Docker (Engine 25+, Compose v2). The published
 * files stay written for a current Docker; these are the only differences, applied by `pnpm test:compose` and
 * documented in docs/guide/docker-compose.md for users of the older packages.
 */

/** A compose file as parsed from YAML (merge keys resolved). */
export type ComposeDocument = Record<string, unknown> & { services: Record<string, ComposeServiceDocument> }

/** One service of a {@link ComposeDocument}. */
export type ComposeServiceDocument = Record<string, unknown> & { healthcheck?: Record<string, unknown> }

/**
 * Rewrites a compose file for docker-compose 1.29:
 * - no top-level `name` (1.29 rejects it): the project is named with `-p` instead;
 * - `start_interval` (Engine 25+) becomes the `interval`: 1.29 rejects the key, and an older engine would
 *   probe only every `interval` (60 s) from the start, so a service would wait a minute for the one it
 *   depends on. Probing every `start_interval` is what a current engine does until the first success;
 *   after it, this probes more often than a current engine, which only makes an unhealthy state show sooner.
 *
 * Everything else the published files use works on 1.29 as written, `deploy.replicas`, `depends_on`
 * conditions and YAML merge keys included.
 */
export function composeForOlderEngine(source: ComposeDocument): ComposeDocument {
  const { name: _name, ...compose } = structuredClone(source)
  for (const service of Object.values(compose.services)) {
    const healthcheck = service.healthcheck
    if (healthcheck && 'start_interval' in healthcheck) {
      healthcheck.interval = healthcheck.start_interval
      delete healthcheck.start_interval
    }
  }
  return compose
}

/**
 * Rewrites the Dockerfile for Engine 20.10's built-in BuildKit frontend:
 * - no `# syntax=` directive: with it BuildKit pulls the named frontend image from Docker Hub, which
 *   cannot be reached here (a current engine's built-in frontend understands the file without it);
 * - no `--start-interval` on `HEALTHCHECK`: an "Unknown flag" before Engine 25. The compose files set their
 *   own health checks, so the deployment does not use the image's.
 */
export function dockerfileForOlderEngine(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^#\s*syntax=/i.test(line))
    .map((line) => (/^HEALTHCHECK\s/i.test(line) ? line.replace(/\s--start-interval=\S+/, '') : line))
    .join('\n')
}
