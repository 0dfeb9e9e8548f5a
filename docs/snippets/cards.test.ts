import { parseWebhook } from '@keygram/core'
import { expect, it } from 'vitest'
import { renderCard } from './cards.ts'

it('renders a card once and skips an edit that would change nothing', () => {
  const event = parseWebhook({
    event: 'order.change_order_status',
    context: { id: 23196, status_id: 3, manager_id: 6, grand_total: 1198 },
  })
  const history = [
    { statusId: 1, at: Date.parse('2026-01-29T08:02:00Z') },
    { statusId: 3, at: Date.parse('2026-01-29T08:15:00Z') },
  ]
  const first = renderCard(event, history)
  expect(first?.card.text).toContain('<a href="tg://user?id=123456789">Олена Коваль</a>')
  expect(first?.card.text).toContain('🕓 #1 10:02 → #3 10:15')
  expect(renderCard(event, history, first?.hash)).toBeNull()
  expect(
    renderCard(event, [...history, { statusId: 4, at: Date.parse('2026-01-29T09:00:00Z') }], first?.hash),
  ).not.toBeNull()
})
