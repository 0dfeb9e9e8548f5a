/**
 * Injected faults: which request fails, and how, drawn from a seeded generator so a flaky-network test fails the
 * same way on every run.
 *
 * @module
 */
import type { FakeFaultSpec } from './types.ts'

/** mulberry32: a tiny seeded generator of numbers in [0, 1); plenty for test fault rates. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface FaultRule {
  method: string
  spec: FakeFaultSpec
  remaining: number
}

/** The injected faults, consulted once per request. */
export class FaultPlan {
  private rules: FaultRule[] = []

  constructor(private readonly random: () => number) {}

  /** Add a fault for `method` (case-insensitive, `'*'` for all). */
  add(method: string, spec: FakeFaultSpec): void {
    const rate = spec.rate ?? 1
    if (rate < 0 || rate > 1) throw new RangeError('fault rate must be between 0 and 1')
    const times = spec.times ?? (spec.rate === undefined ? 1 : Number.POSITIVE_INFINITY)
    this.rules.push({ method: method.toLowerCase(), spec, remaining: times })
  }

  /** The fault hitting this request, if any; each hit uses up one of its `times`. */
  take(method: string): FakeFaultSpec | undefined {
    const name = method.toLowerCase()
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || (rule.method !== '*' && rule.method !== name)) continue
      if (rule.spec.rate !== undefined && this.random() >= rule.spec.rate) continue
      rule.remaining--
      return rule.spec
    }
    return undefined
  }

  /** Remove all faults. */
  clear(): void {
    this.rules = []
  }
}
