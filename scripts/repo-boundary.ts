/**
 * The repository boundary check: no file of the repository may name a path outside it. A test that reads a
 * fixture five folders up passes in the workspace it was written in and fails in every fresh clone, so
 * every tracked (or new, not ignored) text file is scanned for
 *
 * - relative paths (chains of `..` steps) that, resolved from the file's folder, leave the repository;
 * - absolute paths into a development machine (the workspace folder, a home folder) and the workspace's
 *   shared KeyCRM folder, whose files the repository keeps its own copies of (packages/core/test/fixtures).
 *
 * (This file spells those paths only inside regular expressions, so it passes its own scan.)
 *
 * Run: `pnpm check:boundary` (`node --import tsx scripts/repo-boundary.ts [root]`; exits 1 naming each file
 * and line). Tested by test/boundary/scan.test.ts; test/boundary/clone.test.ts runs it in a fresh copy.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** One place a file names a path outside the repository. */
export interface BoundaryReach {
  /** The file, relative to the repository root. */
  file: string
  /** 1-based line number. */
  line: number
  /** The path as written. */
  path: string
  /** Why it is outside. */
  reason: string
}

// Text the scan reads: sources, tests, scripts, configs, docs. Binary files and generated ones are skipped.
const SCANNED =
  /\.(?:[cm]?[jt]s|tsx|json|jsonc|ya?ml|toml|sh|md|vue|css|html|conf|env|example)$|(?:^|\/)(?:Dockerfile[^/]*|run|\.[a-z]+ignore)$/
// The lockfile's `link:` paths are relative to each importer, not to the file; pnpm writes it.
const SKIPPED = /(?:^|\/)(?:pnpm-lock\.yaml|CHANGELOG\.md)$|^bench\/results\.json$/

// `..` steps: a run of `../` (optionally after `./`), or a bare `..` ending a string, as in
// `new URL('..', import.meta.url)`. Preceded by neither a word character nor a dot, so `...` never matches.
const RELATIVE =
  /(?<![\w.$/-])(?:\.\/)?(?:\.\.\/)+[\w@.${}*-]*(?:\/[\w@.${}*-]+)*\/?|(?<=['"`])\.\.(?=['"`])/g
const ABSOLUTE: ReadonlyArray<[RegExp, string]> = [
  [/(?<![\w.-])\/work\/[\w./-]*/g, 'an absolute path into the development workspace'],
  [/(?<![\w.-])\/(?:home\/[\w.-]+|Users\/[\w.-]+|root)\/[\w./-]*/g, "an absolute path into someone's home"],
  [/shared\/keycrm\b[\w./-]*/g, "the workspace's shared folder (copy what you need into the repository)"],
]

/** The repository's files as a fresh clone would have them: tracked, plus new files git does not ignore. */
export function listRepositoryFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return out
    .split('\0')
    .filter(
      (file) => file !== '' && existsSync(resolve(root, file)) && statSync(resolve(root, file)).isFile(),
    )
}

/** Whether the scan reads `file` (a path relative to the root). */
export function isScanned(file: string): boolean {
  return SCANNED.test(file) && !SKIPPED.test(file)
}

function escapes(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '..' || rel.startsWith('../') || isAbsolute(rel)
}

/** The places in one file's text that name a path outside the repository at `root`. */
export function findReachesInText(root: string, file: string, text: string): BoundaryReach[] {
  const reaches: BoundaryReach[] = []
  const folder = dirname(resolve(root, file))
  text.split('\n').forEach((content, index) => {
    const line = index + 1
    for (const match of content.matchAll(RELATIVE)) {
      // Template holes (`${name}`) stand for one path segment each; resolving them as text is close enough.
      if (escapes(root, resolve(folder, match[0]))) {
        reaches.push({ file, line, path: match[0], reason: 'a relative path that leaves the repository' })
      }
    }
    for (const [pattern, reason] of ABSOLUTE) {
      for (const match of content.matchAll(pattern)) reaches.push({ file, line, path: match[0], reason })
    }
  })
  return reaches
}

/** Scans every repository file the check reads and returns each reach outside the repository. */
export function findOutsideReaches(root: string): BoundaryReach[] {
  return listRepositoryFiles(root)
    .filter(isScanned)
    .flatMap((file) => findReachesInText(root, file, readFileSync(resolve(root, file), 'utf8')))
}

/** `file:line: path (reason)`, one line per reach. */
export function formatReaches(reaches: readonly BoundaryReach[]): string {
  return reaches.map((reach) => `${reach.file}:${reach.line}: ${reach.path} (${reach.reason})`).join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)))
  const reaches = findOutsideReaches(root)
  if (reaches.length > 0) {
    console.error(`✖ ${reaches.length} path(s) reach outside the repository:\n${formatReaches(reaches)}`)
    process.exit(1)
  }
  console.log('✔ no file reaches outside the repository')
}
