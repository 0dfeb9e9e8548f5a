/**
 * Where the deploy artefacts live, from the tests' point of view.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository root (the Docker build context). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

/** `packages/server-node/`. */
export const serverPackageDir = fileURLToPath(new URL('../../', import.meta.url))

/** `examples/docker-compose/`. */
export const composeDir = fileURLToPath(new URL('../../../../examples/docker-compose/', import.meta.url))

/** Reads a file relative to the repository root. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, `file://${repoRoot}`), 'utf8')
}
