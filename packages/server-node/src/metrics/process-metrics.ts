/**
 * The process and runtime series every Node service exposes: CPU, resident memory, heap, event-loop lag,
 * garbage collection, open handles and file descriptors, start time. prom-client's default metrics, under
 * their usual names (`process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, ...), so existing
 * dashboards and alerts work unchanged.
 *
 * Why prom-client beside the hand-written registry rather than instead of it: Keygram's own counters sit on
 * the webhook's hot path, where a bound counter of the hand-written registry is one Map update (labels
 * rendered once) and prom-client's would sort and join its labels on every call. The process series are read
 * at scrape time only, and producing them by hand (GC from a perf_hooks observer, event-loop delay
 * histograms, /proc reads for memory and descriptors) is a few hundred lines to keep in step with
 * the convention. So Keygram's series stay where they are and prom-client supplies the rest; `/metrics`
 * renders both.
 *
 * @module
 */
import { collectDefaultMetrics, Registry } from 'prom-client'

let registry: Registry | null = null

/**
 * The exposition text of the process series. One registry per process, filled on first use: the series
 * describe the process, not a server, and collecting twice would start a second GC observer and event-loop
 * monitor.
 */
export function renderProcessMetrics(): Promise<string> {
  if (registry === null) {
    registry = new Registry()
    collectDefaultMetrics({ register: registry })
  }
  return registry.metrics()
}
