export * from './classify.ts'
export * from './fetch-transport.ts'
export type * from './types.ts'
