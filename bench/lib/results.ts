/**
 * The shared results file of the benches (`bench/results.json`): each bench merges its own top-level
 * keys and leaves the others' alone, and every write stamps the machine the numbers came from.
 *
 * @module
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { arch, cpus, platform, release } from 'node:os'
import { fileURLToPath } from 'node:url'

/** Where the benches keep their results. */
export const RESULTS_FILE: string = fileURLToPath(new URL('../results.json', import.meta.url))

/** Bench results: one object (or value) per bench under its own key, plus `machine`. */
export type BenchResults = Record<string, unknown>

/** CPU model, core count, Node version and OS, e.g. `Intel(R) Xeon(R) Processor, 2 cores, node v20.20.2, linux 6.8 x64`. */
export function machineDescription(): string {
  const cores = cpus()
  const model = cores[0]?.model.trim() || 'unknown cpu'
  return `${model}, ${cores.length} cores, node ${process.version}, ${platform()} ${release()} ${arch()}`
}

/** Reads the results file; a missing file is an empty object, a malformed one is an error (never overwritten). */
export async function readResults(file: string = RESULTS_FILE): Promise<BenchResults> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  const parsed: unknown = JSON.parse(text)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file}: expected a JSON object of bench results`)
  }
  return parsed as BenchResults
}

/**
 * Merges `entries` into the results file (top-level keys replace, other keys stay), stamps each entry and
 * the file's `machine` (the last writer's) and writes the file atomically, so a bench that dies mid-write never leaves half a file for the next one.
 *
 * @returns The merged results as written.
 */
export async function mergeResults(
  entries: BenchResults,
  file: string = RESULTS_FILE,
): Promise<BenchResults> {
  // Read right before writing: another bench may have merged its keys while this one ran.
  // Each entry carries its own machine: benches are rerun one at a time, sometimes on another machine.
  const machine = machineDescription()
  const stamped: BenchResults = {}
  for (const [key, value] of Object.entries(entries)) {
    stamped[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, machine } : value
  }
  const merged: BenchResults = { ...(await readResults(file)), ...stamped, machine }
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(merged, null, 2)}\n`)
  await rename(temporary, file)
  return merged
}
