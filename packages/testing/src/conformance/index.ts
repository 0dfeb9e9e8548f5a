/**
 * Conformance suites for guard and store implementations, written with vitest.
 *
 * @module
 */
export { testStoreBudgets } from './budget-suite.ts'
export { type GuardFactory, type GuardHandle, type GuardSuiteOptions, testGuard } from './guard-suite.ts'
export { type ReplicaFactory, type ReplicaSet, testStoreReplicas } from './replica-suite.ts'
export { storeFactoryFrom } from './store-factory.ts'
export { type StoreFactory, type StoreHandle, type StoreSuiteOptions, testStore } from './store-suite.ts'
