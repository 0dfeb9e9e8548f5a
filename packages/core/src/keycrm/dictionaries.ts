/**
 * The KeyCRM dictionaries notifications and routing need, cached: order statuses, funnel statuses,
 * sources and users, and their conversion to the formatter's {@link StatusDictionary}.
 *
 * @module
 */
import { type Clock, systemClock } from '../delivery/clock.ts'
import type { StatusDictionary, StatusInfo } from '../format/types.ts'
import type { KeycrmClient } from './client.ts'
import { createDictionaryCache, type DictionaryCache } from './dictionary-cache.ts'
import type { KeycrmOrderStatus, KeycrmPipelineStatus, KeycrmSource, KeycrmUser } from './types.ts'

/** Options of {@link createKeycrmDictionaries}. */
export interface KeycrmDictionariesOptions {
  /** How long a dictionary stays fresh, in ms. Default 10 minutes. */
  ttlMs?: number
  /** Least time between reloads caused by unknown ids, in ms. Default 30 s. */
  missRefreshMs?: number
  clock?: Pick<Clock, 'now'>
}

/** Cached KeyCRM dictionaries. */
export interface KeycrmDictionaries {
  readonly orderStatuses: DictionaryCache<KeycrmOrderStatus>
  /** Statuses of every funnel, together (funnel status ids are unique across funnels). */
  readonly leadStatuses: DictionaryCache<KeycrmPipelineStatus>
  readonly sources: DictionaryCache<KeycrmSource>
  readonly users: DictionaryCache<KeycrmUser>
  /** Order and funnel statuses as the formatter takes them. Rejects when neither was ever loaded. */
  statusDictionary(signal?: AbortSignal): Promise<StatusDictionary>
}

/** An order status as the formatter's {@link StatusInfo}. */
export function orderStatusInfo(status: KeycrmOrderStatus): StatusInfo {
  const info: StatusInfo = { name: status.name }
  if (status.alias) info.alias = status.alias
  if (typeof status.group_id === 'number') info.groupId = status.group_id
  return info
}

/** A funnel status as the formatter's {@link StatusInfo}. */
export function leadStatusInfo(status: KeycrmPipelineStatus): StatusInfo {
  const info: StatusInfo = { name: status.title }
  if (status.alias) info.alias = status.alias
  return info
}

/** Creates the caches over `client`; nothing loads until asked. */
export function createKeycrmDictionaries(
  client: KeycrmClient,
  options: KeycrmDictionariesOptions = {},
): KeycrmDictionaries {
  const common = {
    ttlMs: options.ttlMs ?? 10 * 60_000,
    missRefreshMs: options.missRefreshMs ?? 30_000,
    clock: options.clock ?? systemClock,
  }
  const idOf = (entry: { id: number | null }) => entry.id
  const orderStatuses = createDictionaryCache({
    ...common,
    idOf,
    load: (signal) => client.orderStatuses({ signal }),
  })
  const leadStatuses = createDictionaryCache<KeycrmPipelineStatus>({
    ...common,
    idOf,
    async load(signal) {
      const pipelines = await client.pipelines({ signal })
      const lists = await Promise.all(
        pipelines.map((pipeline) => client.pipelineStatuses(pipeline.id, { signal })),
      )
      return lists.flat()
    },
  })
  const sources = createDictionaryCache({
    ...common,
    idOf,
    load: (signal) => client.orderSources({ signal }),
  })
  const users = createDictionaryCache<KeycrmUser>({
    ...common,
    idOf,
    load: (signal) => client.users({ signal }),
  })

  return {
    orderStatuses,
    leadStatuses,
    sources,
    users,
    async statusDictionary(signal) {
      const [order, lead] = await Promise.allSettled([orderStatuses.all(signal), leadStatuses.all(signal)])
      if (order.status === 'rejected' && lead.status === 'rejected') throw order.reason
      const dictionary: StatusDictionary = {}
      if (order.status === 'fulfilled')
        dictionary.order = Object.fromEntries(
          [...order.value].map(([id, status]) => [id, orderStatusInfo(status)]),
        )
      if (lead.status === 'fulfilled')
        dictionary.lead = Object.fromEntries(
          [...lead.value].map(([id, status]) => [id, leadStatusInfo(status)]),
        )
      return dictionary
    },
  }
}
