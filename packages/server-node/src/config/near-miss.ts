/**
 * Near misses: a name that is almost one Keygram knows (`KEYGRAM_CHATID` for `KEYGRAM_CHAT_ID`, `kind` for
 * `kinds`), so a typo is named with its fix instead of being silently ignored.
 *
 * @module
 */

// Written by hand: the one library that does this (fastest-levenshtein) would be a dependency for twelve
// lines, and the names compared are a few dozen short strings.
/** The Damerau-Levenshtein distance (optimal string alignment) between two strings. */
export function editDistance(left: string, right: string): number {
  const rows = Array.from({ length: left.length + 1 }, (_, i) =>
    Array.from({ length: right.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= left.length; i++) {
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1
      const row = rows[i]!
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1)
    }
  }
  return rows[left.length]![right.length]!
}

// Case, `_` and `-` never matter for a suggestion: `KEYGRAM_CHATID`, `keygram_chat_id` and `chat-id` all
// point at the same name.
const folded = (name: string) => name.toLowerCase().replace(/[_-]/g, '')

/**
 * The candidate `name` most likely meant, or `null` when none is close: the same letters ignoring case,
 * `_` and `-`, or one edit away (two for names of eight characters or more).
 */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const wanted = folded(name)
  const allowed = wanted.length < 3 ? 0 : Math.min(2, Math.max(1, Math.floor(wanted.length / 4)))
  let best: { candidate: string; distance: number } | null = null
  for (const candidate of candidates) {
    if (candidate === name) return null
    const distance = editDistance(wanted, folded(candidate))
    if (distance <= allowed && (best === null || distance < best.distance)) best = { candidate, distance }
  }
  return best?.candidate ?? null
}
