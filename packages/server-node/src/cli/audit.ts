/**
 * `keygram audit`: who pressed which action button, when, and what came of it.
 *
 * @module
 */
import { type AuditedAction, type KeygramStore, listActions } from '@keygram/core'

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * The start of `--since`: a duration back from `now` (`30m`, `24h`, `7d`) or a date (`2026-12-01`,
 * `2026-12-01T09:00Z`). `null` when it is neither.
 */
export function sinceTime(text: string, now: number): number | null {
  const relative = /^(\d+)\s*([mhd])$/.exec(text.trim())
  if (relative !== null) return now - Number(relative[1]) * UNITS[relative[2]!]!
  const at = Date.parse(text.trim())
  return Number.isNaN(at) ? null : at
}

/** One press as a line: when, who, what, outcome. */
export function renderAction(action: AuditedAction): string {
  const what = `${action.entity} #${action.id} ${action.from} -> ${action.to}`
  const detail = action.detail === undefined ? '' : ` (${action.detail})`
  return `${new Date(action.at).toISOString()}  ${action.userName} (${action.userId})  chat ${action.chatId}  ${what}  ${action.outcome}${detail}`
}

/** The presses since `fromMs` (of order or lead `id` when given), oldest first, as text. */
export async function auditText(
  store: Pick<KeygramStore, 'events'>,
  options: { fromMs: number; now: number; id?: number },
): Promise<string> {
  const actions = await listActions(store.events, {
    fromMs: options.fromMs,
    toMs: options.now + 1,
    ...(options.id === undefined ? {} : { id: options.id }),
  })
  const since = new Date(options.fromMs).toISOString()
  const scope = options.id === undefined ? '' : ` of #${options.id}`
  if (actions.length === 0) return `No button presses${scope} since ${since}.`
  return `${actions.map(renderAction).join('\n')}\n${actions.length} press${actions.length === 1 ? '' : 'es'}${scope} since ${since}.`
}
