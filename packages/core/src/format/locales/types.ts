/**
 * The shape of a notification language.
 *
 * @module
 */

/** Every text a notification needs, in one language. */
export interface LocaleStrings {
  /** BCP 47 tag for `Intl` number and date formatting. */
  intlLocale: string
  /** Headline nouns by event kind (followed by `#id`). */
  headline: { order_status: string; payment_status: string; lead_status: string; unknown: string }
  labels: {
    status: string
    group: string
    payment: string
    total: string
    paid: string
    title: string
    statusChangedAt: string
    orderedAt: string
    buyer: string
    contact: string
    products: string
    manager: string
    shipping: string
    tracking: string
    address: string
    clientComment: string
    managerComment: string
    promocode: string
    giftMessage: string
    event: string
    order: string
    lead: string
  }
  /** "N more" lines for truncated lists. */
  more: { fields: (count: number) => string; products: (count: number) => string }
  /** Live order cards. */
  card: {
    /** Who last changed the order from the chat, and when: `✏️ Змінено: Іван, 14:40`. */
    changedBy: (name: string, at: string) => string
  }
  /** Burst summaries. */
  summary: {
    /** The header's counted noun for `count` merged notifications: `50 оновлень`. */
    updates: (count: number) => string
  }
  /** The URL button text. */
  openInKeycrm: string
  /** Payment statuses KeyCRM uses. */
  paymentStatus: { paid: string; part_paid: string; not_paid: string; overpaid: string }
  /** Status groups by KeyCRM's fixed ids. */
  statusGroups: Record<1 | 2 | 3 | 4 | 5 | 6, string>
  /**
   * Labels for built-in statuses, by the system name KeyCRM's API returns for them.
   * Our best knowledge of the common aliases; any other name is shown as it is.
   */
  systemStatuses: Record<string, string>
}
