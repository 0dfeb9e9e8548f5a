/**
 * The KeyCRM step of `keygram init`: an API key (checked by listing the order statuses it names) and the
 * account for "Open in KeyCRM" buttons, both optional.
 *
 * @module
 */
import type { FormatLocale } from '@keygram/core'
import { keycrmApiKey, keycrmDomain } from '../../config/fields.ts'
import { listOrderStatuses, statusName } from '../keycrm-statuses.ts'
import { problemOf, valid } from './ask.ts'
import type { InitOptions } from './types.ts'

/** The KeyCRM key (checked by listing the statuses) and account; both optional. */
export async function keycrmAnswers(
  options: InitOptions,
  existing: Record<string, string>,
  locale: FormatLocale,
): Promise<Record<string, string>> {
  const { answers, prompter, print } = options
  const given = answers.keycrmKey ?? existing.KEYCRM_API_KEY
  const key =
    given ??
    (options.interactive
      ? await prompter.secret(
          'KeyCRM API key (empty: skip; without it statuses show as numbers such as "#20")',
          '--keycrm-key',
        )
      : '')
  const values: Record<string, string> = {}
  if (key !== '') {
    let statuses: string[] = []
    values.KEYCRM_API_KEY = await valid(
      options,
      answers.keycrmKey === undefined ? { saved: key } : { flag: key },
      () => prompter.secret('KeyCRM API key', '--keycrm-key'),
      async (value) => {
        const problem = problemOf(keycrmApiKey, value, 'the KeyCRM API key')
        if (problem !== null) return problem
        const listing = await listOrderStatuses(
          value,
          options.keycrmApiUrl,
          options.fetch === undefined ? {} : { fetch: options.fetch },
        )
        if (!listing.ok) return listing.problem
        statuses = listing.statuses.map((status) => `${status.id} ${statusName(status, locale)}`)
        return null
      },
    )
    print(`✔ KeyCRM API key works; notifications will name its ${statuses.length} order statuses:`)
    print(`    ${statuses.join(' · ')}`)
  } else {
    print(
      '• No KeyCRM API key: statuses show as numbers until you set KEYCRM_API_KEY or name them in keygram.config.ts (format.statuses)',
    )
  }
  const domain =
    answers.keycrmDomain ??
    existing.KEYCRM_DOMAIN ??
    (options.interactive
      ? await prompter.text('KeyCRM account for "Open in KeyCRM" buttons (empty: skip)', {
          flag: '--keycrm-domain',
          placeholder: 'myshop',
        })
      : '')
  if (domain !== '') {
    const problem = problemOf(keycrmDomain, domain, '--keycrm-domain')
    if (problem !== null) throw new Error(problem)
    values.KEYCRM_DOMAIN = domain
    print(`✔ KeyCRM account: ${domain}`)
  }
  return values
}
