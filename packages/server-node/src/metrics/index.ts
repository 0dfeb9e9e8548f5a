/**
 * Prometheus metrics.
 *
 * @module
 */
export { createKeygramMetrics, type KeygramMetrics, type KeygramMetricsOptions } from './keygram-metrics.ts'
export {
  type Counter,
  createMetricsRegistry,
  type GaugeCollector,
  type Histogram,
  type Labels,
  type MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from './registry.ts'
