/**
 * Rate budgets in one process's memory: the `budgets` of `memoryStore`, and a reference for the other
 * stores' conformance tests.
 *
 * @module
 */
import { checkTakeInput, decideTake } from './decide.ts'
import type { RateBudgetStore } from './types.ts'

/** Creates in-memory {@link RateBudgetStore} budgets (shared by everything holding this object). */
export function createMemoryBudgets(): RateBudgetStore {
  // Per budget key: slot id -> expiry (epoch ms).
  const budgets = new Map<string, Map<string, number>>()
  let nextId = 0

  function liveSlots(key: string, now: number): Map<string, number> {
    let slots = budgets.get(key)
    if (slots === undefined) {
      slots = new Map()
      budgets.set(key, slots)
    }
    for (const [id, expiry] of slots) if (expiry <= now) slots.delete(id)
    return slots
  }

  return {
    async take(input) {
      checkTakeInput(input)
      const slots = liveSlots(input.key, input.now)
      const expiries = [...slots.values()].sort((a, b) => a - b)
      const decision = decideTake(expiries, input.limit, input.reserve, input.now)
      if (!decision.granted) return decision
      const slotId = String(++nextId)
      slots.set(slotId, input.now + input.windowMs + (input.holdMs ?? 0))
      return { granted: true, slotId }
    },
    async release(input) {
      const slots = budgets.get(input.key)
      const expiry = slots?.get(input.slotId)
      if (slots === undefined || expiry === undefined || expiry <= input.now) return
      slots.set(input.slotId, input.now + input.windowMs)
    },
  }
}
