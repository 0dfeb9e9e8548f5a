/**
 * `serve()`: start a {@link KeygramServer} and stop it gracefully on SIGTERM/SIGINT.
 *
 * @module
 */
import type { KeygramConfig, ServerRole } from './config/index.ts'
import { createKeygramServer, type KeygramServer, type KeygramServerOptions } from './server.ts'

/** Options of {@link serve}. */
export interface ServeOptions extends KeygramServerOptions {
  role: ServerRole
  config: KeygramConfig
  /** Stop on SIGTERM and SIGINT and exit the process (0 when the stop was clean). Default `true`. */
  handleSignals?: boolean
}

/**
 * Starts the server for `role`. With `handleSignals`, the first SIGTERM or SIGINT stops it gracefully
 * and exits with 0 (1 if stopping failed or overran the shutdown timeout); a second signal exits at once.
 */
export async function serve(options: ServeOptions): Promise<KeygramServer> {
  const { config, handleSignals = true, ...rest } = options
  const server = createKeygramServer(config, rest)
  await server.start()
  if (handleSignals) {
    const timeoutMs = options.shutdownTimeoutMs ?? 10_000
    let signalled = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        process.exit(signal === 'SIGINT' ? 130 : 143)
      }
      signalled = true
      // A hung part must not keep the container from stopping: exit 1 a little after the budget.
      const watchdog = setTimeout(() => process.exit(1), timeoutMs + 500)
      watchdog.unref()
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }
  return server
}
