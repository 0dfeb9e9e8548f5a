/**
 * A published compose file as the live test runs it: the {@link composeForOlderEngine} changes, plus what a
 * test machine needs and a user's does not. Everything else (commands, health checks, volumes, depends_on,
 * replicas, the nginx and Caddy configurations) is the published file's own.
 */
import { isAbsolute, resolve } from 'node:path'
import { type ComposeDocument, composeForOlderEngine } from '../older-engine.ts'
import { composeDir } from '../paths.ts'
import { IMAGE_STAND_INS } from './images.ts'

/** Options of {@link composeForTest}. */
export interface ComposeForTestOptions {
  /**
   * Bind-mount sources given instead of the published ones, e.g. `{ './certs': './certs' }`; a relative one is
   * resolved by Compose against the folder of the test's compose file.
   */
  binds?: Record<string, string>
}

/**
 * - every image is its local stand-in (see images.ts), and nothing is built by Compose (the test builds the
 *   Keygram image itself, with BuildKit, which docker-compose 1.29's own builder lacks);
 * - every published port goes to an ephemeral port on the loopback interface (tests never bind fixed ports
 *   on the host);
 * - relative bind mounts point into examples/docker-compose/ (the published nginx and Caddy configurations),
 *   or to what `binds` gives (the throwaway certificate, Caddy's test configuration).
 */
export function composeForTest(
  published: ComposeDocument,
  options: ComposeForTestOptions = {},
): ComposeDocument {
  const compose = composeForOlderEngine(published)
  for (const [name, service] of Object.entries(compose.services)) {
    const image = String(service.image ?? '')
    const standIn = IMAGE_STAND_INS[image]
    if (standIn === undefined) throw new Error(`service ${name}: no local stand-in for image ${image}`)
    service.image = standIn
    delete service.build
    if (Array.isArray(service.ports)) service.ports = service.ports.map((port) => ephemeralPort(String(port)))
    if (Array.isArray(service.volumes)) {
      service.volumes = service.volumes.map((volume) => bindSource(String(volume), options.binds ?? {}))
    }
  }
  return compose
}

/** `443:443`, `127.0.0.1:9001-9002:9001`, `443:443/udp` -> `127.0.0.1::443` (`/udp` kept). */
function ephemeralPort(port: string): string {
  const [mapping = '', protocol] = port.split('/')
  const containerPort = mapping.split(':').at(-1)
  return `127.0.0.1::${containerPort}${protocol === undefined ? '' : `/${protocol}`}`
}

function bindSource(volume: string, binds: Record<string, string>): string {
  const [source = '', ...rest] = volume.split(':')
  if (!source.startsWith('.') || isAbsolute(source)) return volume
  return [binds[source] ?? resolve(composeDir, source), ...rest].join(':')
}
