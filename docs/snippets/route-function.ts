import {
  combineRoutes,
  createNotifier,
  type KeygramStore,
  type RouteFunction,
  subscriptionRoutes,
} from '@keygram/core'

declare const store: KeygramStore
declare function managerChatOf(managerId: number | null): Promise<string | null>

// #region function
// Full control: look the chat up per event, e.g. the manager's own chat kept in a database.
const byManager: RouteFunction = async (event) => {
  if (event.kind !== 'order_status') return []
  const chatId = await managerChatOf(event.context.manager_id)
  return chatId === null ? [] : [{ chatId }]
}

const notifier = createNotifier({
  store,
  // The configured rules, the chats that used /subscribe, then the manager's chat; repeats are dropped.
  routes: combineRoutes([{ chatId: '-1001234567890' }], subscriptionRoutes(store), byManager),
})

// #endregion function

export { notifier }
