export * from './classify.ts'
export * from './fetch-transport.ts'
export * from './send-options.ts'
export type * from './types.ts'
