/**
 * The `keygram` command line (see `bin/keygram.mjs`).
 *
 * @module
 */
import { keygramCommand } from './cli/commands.ts'
import { runCli } from './cli/main.ts'

await runCli(keygramCommand)
