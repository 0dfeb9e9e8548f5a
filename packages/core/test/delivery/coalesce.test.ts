import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { coalesceJobs } from '../../src/delivery/coalesce.ts'
import type { QueuedJob } from '../../src/delivery/types.ts'
import { type SummaryItem, validateTelegramHtml, visibleText } from '../../src/format/index.ts'

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
/** An order job with a summary item, as the notifier enqueues it. */
function orderJob(id: number, to: string, extra: Partial<SummaryItem> = {}): QueuedJob {
  const item: SummaryItem = { locale: 'uk', kind: 'order_status', id, to, ...extra }
  return job(`Замовлення #${id} → ${to}`, { summary: item })
}

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

  it('groups orders by target status in the chat language, sorted, with counts and totals', () => {
    const jobs = [
      orderJob(7000203, 'Відправлено', { groupId: 4, total: 1000, currency: 'UAH' }),
      orderJob(7000300, 'Скасовано', { groupId: 6 }),
      orderJob(7000201, 'Відправлено', { groupId: 4, total: 540.5, currency: 'UAH' }),
      job('Низький залишок: a001-56'),
      orderJob(7000100, 'Підтверджено', { groupId: 2, total: 10, currency: 'UAH' }),
      job('Pay', {
        summary: {
          locale: 'uk',
          kind: 'payment_status',
          id: 7000201,
          to: 'Оплачено',
          total: 5,
          currency: 'UAH',
        },
      }),
      job('Lead', { summary: { locale: 'uk', kind: 'lead_status', id: 13898, to: 'В роботі' } }),
      orderJob(7000202, 'Відправлено', { groupId: 4, total: 2000, currency: 'UAH' }),
      orderJob(7000250, 'Скасовано', { groupId: 6, total: 99, currency: 'UAH' }),
      orderJob(7000203, 'Відправлено', { groupId: 4, total: 1000, currency: 'UAH' }),
    ]
    const batch = coalesceJobs(jobs)
    expect(batch?.jobs).toHaveLength(10)
    expect(batch?.message.text.split('\n')).toEqual([
      '<b>10 оновлень</b>',
      '🤝 → <b>Підтверджено</b> (1 · 10\u00a0₴): #7000100',
      // One order changed twice to the same status is listed once; the total counts it once.
      '🚚 → <b>Відправлено</b> (3 · 3\u00a0540,50\u00a0₴): #7000201, #7000202, #7000203',
      // One order of the group has no total: no sum rather than a wrong one.
      '🚫 → <b>Скасовано</b> (2): #7000250, #7000300',
      '💳 Оплата → <b>Оплачено</b> (1 · 5\u00a0₴): #7000201',
      '🎯 Лід → <b>В роботі</b> (1): #13898',
      'Низький залишок: a001-56',
    ])
    expect(validateTelegramHtml(batch!.message.text)).toEqual({ ok: true })
  })

  it('writes the header in the language of the items, English for plain lines, or as configured', () => {
    const many = (locale: SummaryItem['locale']) =>
      Array.from({ length: 21 }, (_, i) =>
        job(`#${i}`, { summary: { locale, kind: 'order_status', id: i, to: 'X' } }),
      )
    const header = (jobs: QueuedJob[], options = {}) =>
      coalesceJobs(jobs, options)?.message.text.split('\n')[0]
    expect(header(many('uk'))).toBe('<b>21 оновлення</b>')
    expect(header(many('ru'))).toBe('<b>21 обновление</b>')
    expect(header(many('en'))).toBe('<b>21 updates</b>')
    expect(header(many('uk').slice(0, 12))).toBe('<b>12 оновлень</b>')
    expect(header(many('ru').slice(0, 12))).toBe('<b>12 обновлений</b>')
    expect(header(many('uk'), { header: (n: number, locale?: string) => `<b>${n} ${locale}</b>` })).toBe(
      '<b>21 uk</b>',
    )
  })

  it('lists a stored item it cannot read by its line', () => {
    const broken = job('Замовлення #5 → Нове', {
      summary: { kind: 'order_status', id: 'x' } as unknown as SummaryItem,
    })
    const jobs = [broken, ...Array.from({ length: 9 }, (_, i) => orderJob(i + 10, 'Нове'))]
    const lines = coalesceJobs(jobs)!.message.text.split('\n')
    expect(lines.at(-1)).toBe('Замовлення #5 → Нове')
    expect(lines[1]).toMatch(/^📦 → <b>Нове<\/b> \(9\): #10, /)
  })

  it('puts every order job in exactly one grouped summary, in order, within 4096 visible characters', () => {
    const statuses = ['Нове', 'Підтверджено', 'Відправлено', 'Дуже довга назва статусу '.repeat(3)]
    const arbitraryJob = fc.oneof(
      fc
        .record({ id: fc.integer({ min: 1, max: 9_999_999_999 }), status: fc.constantFrom(...statuses) })
        .map(({ id, status }) => orderJob(id, status, { total: id / 100, currency: 'UAH' })),
      fc.string({ minLength: 1, maxLength: 300 }).map((line) => job(line.replace(/[<>&"]/g, '·'))),
    )
    fc.assert(
      fc.property(fc.array(arbitraryJob, { minLength: 2, maxLength: 400 }), (jobs) => {
        const batches = drain(jobs)
        const merged = batches.flatMap((batch) => batch.merged.map((j) => j.id))
        if (merged.join() !== jobs.map((j) => j.id).join()) return false
        return batches.every((batch) => {
          if (batch.text === null) return true
          if (visibleText(batch.text).length > 4096) return false
          // Every merged job is in the text: an order by its number in its group's line, a plain job by its line.
          return batch.merged.every((j) =>
            j.summary === undefined
              ? batch.text!.includes(j.summaryLine)
              : batch
                  .text!.split('\n')
                  .some(
                    (line) =>
                      line.includes(`<b>${j.summary!.to}</b>`) &&
                      new RegExp(`#${j.summary!.id}(?:,|$)`).test(line),
                  ),
          )
        })
      }),
      { numRuns: 40 },
    )
  })
})
