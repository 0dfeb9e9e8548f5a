export * from './actions.ts'
export * from './commands.ts'
export * from './polling.ts'
export * from './transport.ts'
