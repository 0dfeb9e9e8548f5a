import { describe, expect, it } from 'vitest'
import { previousZonedDay, zonedDayStart, zonedParts } from '../../src/digest/zoned-time.ts'

describe('zoned time', () => {
  it('finds local midnight across DST changes in Kyiv', () => {
    expect(new Date(zonedDayStart(2026, 1, 29, 'Europe/Kyiv')).toISOString()).toBe('2026-01-28T22:00:00.000Z')
    // DST starts on 2026-03-29 at 03:00 local: that day starts at +02:00, the next at +03:00.
    expect(new Date(zonedDayStart(2026, 3, 29, 'Europe/Kyiv')).toISOString()).toBe('2026-03-28T22:00:00.000Z')
    expect(new Date(zonedDayStart(2026, 3, 30, 'Europe/Kyiv')).toISOString()).toBe('2026-03-29T21:00:00.000Z')
    expect(new Date(zonedDayStart(2026, 10, 26, 'Europe/Kyiv')).toISOString()).toBe(
      '2026-10-25T22:00:00.000Z',
    )
  })

  it('gives the previous local day, 23 hours long on the day clocks go forward', () => {
    const day = previousZonedDay(Date.parse('2026-03-30T06:00:00Z'), 'Europe/Kyiv')
    expect(day.date).toBe('2026-03-29')
    expect(day.end - day.start).toBe(23 * 3_600_000)
    expect(previousZonedDay(Date.parse('2026-01-01T00:30:00Z'), 'America/New_York').date).toBe('2025-12-30')
  })

  it('reads local parts', () => {
    expect(zonedParts(Date.parse('2026-01-30T21:30:00Z'), 'Europe/Kyiv')).toEqual({
      year: 2026,
      month: 1,
      day: 30,
      hour: 23,
      minute: 30,
      weekday: 5,
    })
  })
})
