/**
 * `BENCH_SCALE`: how much of a full run a bench does (1 = full, recorded; less = a quick look).
 *
 * @module
 */

/** Reads `BENCH_SCALE` (default 1). @throws {Error} when it is not a positive finite number. */
export function readScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.BENCH_SCALE ?? '1')
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error('BENCH_SCALE must be a positive number')
  return scale
}
