/**
 * The packages the API reference documents, discovered from the workspace.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** Absolute path of the workspace's `packages/` folder, with a trailing slash. */
export const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url))

/** A package the reference documents. */
export interface DocumentedPackage {
  /** The npm name, e.g. `@keygram/core`. */
  name: string
  /** Its folder under `packages/`, e.g. `core`. */
  folder: string
  /** Absolute path of its `src/index.ts`. */
  entryPoint: string
}

/** The public packages of the workspace that have a `src/index.ts`, sorted with `@keygram/core` first. */
export async function documentedPackages(): Promise<DocumentedPackage[]> {
  const found: DocumentedPackage[] = []
  for (const entry of await readdir(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const manifestPath = `${packagesDir}${entry.name}/package.json`
    const entryPoint = `${packagesDir}${entry.name}/src/index.ts`
    if (!existsSync(manifestPath) || !existsSync(entryPoint)) continue
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { name?: string; private?: boolean }
    if (manifest.private === true || typeof manifest.name !== 'string') continue
    found.push({ name: manifest.name, folder: entry.name, entryPoint })
  }
  const rank = (pkg: DocumentedPackage) => (pkg.name === '@keygram/core' ? 0 : 1)
  return found.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}
