#!/usr/bin/env node
// The `keygram` command. In the repository (the TypeScript sources are present) tsx compiles `src/cli.ts`
// on the fly and resolves `@keygram/*` to their sources through the workspace tsconfig paths, so a stale
// `dist/` never shadows the code being worked on. A published install has no `src/` and runs `dist/cli.mjs`.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const built = new URL('../dist/cli.mjs', import.meta.url)

function canCompileTypeScript() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (existsSync(source) && canCompileTypeScript()) {
  const { register } = await import('tsx/esm/api')
  const workspaceTsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url))
  register(existsSync(workspaceTsconfig) ? { tsconfig: workspaceTsconfig } : {})
  await import(pathToFileURL(source).href)
} else {
  await import(built.href)
}
