/**
 * The `keygram` command line (see `bin/keygram.mjs`).
 *
 * @module
 */
import { runMain } from 'citty'
import { keygramCommand } from './cli/commands.ts'

await runMain(keygramCommand)
