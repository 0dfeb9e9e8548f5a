/**
 * The numbers the live test measures: each variant writes its section to test-artifacts/compose/, the
 * global teardown prints them together and, with `KEYGRAM_COMPOSE_RECORD=1`, merges them into
 * bench/results.json under `deployment`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../paths.ts'

const dir = join(repoRoot, 'test-artifacts', 'compose')

/** Writes one section (`image`, or a variant's name) of the report. */
export function saveSection(name: string, data: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`)
}

/** Every section written so far. */
export function loadSections(): Record<string, Record<string, unknown>> {
  if (!existsSync(dir)) return {}
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [file.slice(0, -5), JSON.parse(readFileSync(join(dir, file), 'utf8'))]),
  )
}

/** Forgets the sections of an earlier run. */
export function clearSections(): void {
  rmSync(dir, { recursive: true, force: true })
}

/** MiB with one decimal. */
export const mib = (bytes: number): number => Math.round((bytes / 1_048_576) * 10) / 10

/** Rounds every number in a flat record of measurements to whole ms / one decimal. */
export function rounded(values: Record<string, number>, digits = 0): Record<string, number> {
  const factor = 10 ** digits
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Math.round(value * factor) / factor]),
  )
}
