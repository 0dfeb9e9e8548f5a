/**
 * The line a notification carries when KeyCRM's API could not add its details, so nobody mistakes a
 * short message for the whole story.
 *
 * @module
 */
import type { FormatLocale } from '../format/types.ts'
import type { NotEnrichedReason } from './types.ts'

const reasons: Record<FormatLocale, Record<NotEnrichedReason, string>> = {
  uk: {
    timeout: 'KeyCRM API не відповів вчасно',
    rate_limited: 'вичерпано ліміт запитів KeyCRM API',
    unavailable: 'KeyCRM API недоступний',
    unauthorized: 'KeyCRM API відхилив ключ',
    not_found: 'KeyCRM API не знайшов запис',
    error: 'помилка KeyCRM API',
  },
  en: {
    timeout: 'the KeyCRM API did not answer in time',
    rate_limited: 'the KeyCRM API rate limit was reached',
    unavailable: 'the KeyCRM API is unavailable',
    unauthorized: 'the KeyCRM API refused the key',
    not_found: 'the KeyCRM API did not find the record',
    error: 'a KeyCRM API error',
  },
  ru: {
    timeout: 'KeyCRM API не ответил вовремя',
    rate_limited: 'исчерпан лимит запросов KeyCRM API',
    unavailable: 'KeyCRM API недоступен',
    unauthorized: 'KeyCRM API отклонил ключ',
    not_found: 'KeyCRM API не нашёл запись',
    error: 'ошибка KeyCRM API',
  },
}

const templates: Record<FormatLocale, (reason: string) => string> = {
  uk: (reason) => `ℹ️ Без подробиць (${reason}): лише дані вебхука.`,
  en: (reason) => `ℹ️ Not enriched (${reason}): webhook data only.`,
  ru: (reason) => `ℹ️ Без подробностей (${reason}): только данные вебхука.`,
}

/** The "not enriched" line (plain text) in `locale`, e.g. `ℹ️ Not enriched (the KeyCRM API is unavailable): webhook data only.` */
export function notEnrichedNote(reason: NotEnrichedReason, locale: FormatLocale = 'uk'): string {
  const strings = reasons[locale] ?? reasons.uk
  return (templates[locale] ?? templates.uk)(strings[reason] ?? strings.error)
}
