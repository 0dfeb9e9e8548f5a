import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { coalesceJobs } from '../../src/delivery/coalesce.ts'
import type { QueuedJob } from '../../src/delivery/types.ts'
import { visibleText } from '../../src/format/index.ts'

let nextId = 0
function job(summaryLine: string, extra: Partial<QueuedJob> = {}): QueuedJob {
  nextId++
  return {
    id: `job-${nextId}`,
    chatId: '-100',
    deliveryKey: `key-${nextId}`,
    sequence: nextId,
    attempts: 0,
    notBefore: 0,
    createdAt: 0,
    lastError: null,
    summaryLine,
    message: { text: summaryLine, parse_mode: 'HTML', link_preview_options: {} },
    ...extra,
  }
}

/**
 * Runs coalescing the way the worker does: merge the head, the rest stays for the next round; a head
 * run below the threshold goes alone (`text: null`, sent as its own message).
 */
function drain(jobs: QueuedJob[], maxJobsPerChat = 50): { merged: QueuedJob[]; text: string | null }[] {
  const batches: { merged: QueuedJob[]; text: string | null }[] = []
  let rest = jobs
  while (rest.length > 0) {
    const batch = coalesceJobs(rest.slice(0, maxJobsPerChat), { threshold: 2, maxJobsPerChat })
    const merged = batch?.jobs ?? rest.slice(0, 1)
    batches.push({ merged, text: batch?.message.text ?? null })
    rest = rest.slice(merged.length)
  }
  return batches
}

describe('coalesceJobs', () => {
  it('does nothing below the threshold or when disabled', () => {
    const jobs = Array.from({ length: 9 }, (_, i) => job(`Order #${i}`))
    expect(coalesceJobs(jobs)).toBeNull()
    expect(coalesceJobs([...jobs, job('x')], { enabled: false })).toBeNull()
  })

  it('merges a burst into one message with a header and every line, in order', () => {
    const jobs = Array.from({ length: 12 }, (_, i) => job(`Order #${i} → Shipped`))
    const batch = coalesceJobs(jobs)
    expect(batch?.jobs.map((j) => j.id)).toEqual(jobs.map((j) => j.id))
    expect(batch?.message.text).toBe(`<b>12 updates</b>\n${jobs.map((j) => j.summaryLine).join('\n')}`)
    expect(batch?.message.parse_mode).toBe('HTML')
  })

  it('takes a custom (localized) header', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(`#${i}`))
    expect(coalesceJobs(jobs, { header: (n) => `<b>${n} оновлень</b>` })?.message.text).toMatch(
      /^<b>10 оновлень<\/b>\n/,
    )
  })

  it('merges only the leading run of one topic, so later topics cannot overtake', () => {
    const jobs = [
      ...Array.from({ length: 10 }, (_, i) => job(`#${i}`, { threadId: 3 })),
      job('other topic', { threadId: 4 }),
      job('#10', { threadId: 3 }),
    ]
    expect(coalesceJobs(jobs)?.jobs).toHaveLength(10)
    expect(coalesceJobs(jobs.slice(5))).toBeNull()
  })

  it('stays silent only when every merged job was silent', () => {
    const silent = Array.from({ length: 10 }, (_, i) =>
      job(`#${i}`, {
        message: { text: 'x', parse_mode: 'HTML', link_preview_options: {}, disable_notification: true },
      }),
    )
    expect(coalesceJobs(silent)?.message.disable_notification).toBe(true)
    expect(coalesceJobs([...silent.slice(1), job('loud')])?.message.disable_notification).toBeUndefined()
  })

  it('counts escaped entities as one character when packing', () => {
    // 20 lines of 400 visible characters written as 1600 characters of &amp;: 10 fit in 4096.
    const jobs = Array.from({ length: 20 }, () => job('&amp;'.repeat(400)))
    const batch = coalesceJobs(jobs)
    expect(batch?.jobs.length).toBe(10)
    expect(visibleText(batch!.message.text).length).toBeLessThanOrEqual(4096)
  })

  it('shortens a single line too long for a message instead of dropping it', () => {
    const jobs = [job(`${'x'.repeat(5000)} &amp;`), ...Array.from({ length: 10 }, (_, i) => job(`#${i}`))]
    const batch = coalesceJobs(jobs)
    expect(batch?.jobs).toHaveLength(1)
    const visible = visibleText(batch!.message.text)
    expect(visible.length).toBeLessThanOrEqual(4096)
    expect(visible.endsWith('…')).toBe(true)
  })

  it('puts every job in exactly one summary, in order, each within 4096 visible characters', () => {
    const line = fc.string({
      unit: fc.constantFrom('a', 'я', ' ', '&amp;', '&lt;', '😀'),
      minLength: 1,
      maxLength: 300,
    })
    fc.assert(
      fc.property(fc.array(line, { minLength: 2, maxLength: 300, size: 'large' }), (lines) => {
        const jobs = lines.map((summary) => job(summary))
        const batches = drain(jobs)
        const merged = batches.flatMap((batch) => batch.merged.map((j) => j.id))
        if (merged.join() !== jobs.map((j) => j.id).join()) return false
        return batches.every(
          (batch) =>
            batch.text === null ||
            (visibleText(batch.text).length <= 4096 &&
              batch.text ===
                `<b>${batch.merged.length} updates</b>\n${batch.merged.map((j) => j.summaryLine).join('\n')}`),
        )
      }),
      { numRuns: 40 },
    )
  })
})
