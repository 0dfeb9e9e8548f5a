/**
 * A tiny Prometheus registry: counters, gauges and histograms rendered in the text exposition format
 * (version 0.0.4). Written by hand to stay small and allocation-free on the hot path.
 *
 * @module
 */

/** The `content-type` of {@link MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>

/** A monotonically increasing count, optionally split by labels. */
export interface Counter {
  inc(labels?: Labels, amount?: number): void
  /** A child for fixed labels, rendered once: for hot paths. */
  bind(labels: Labels): { inc(amount?: number): void }
  /** The current value for `labels` (tests, status pages). */
  get(labels?: Labels): number
}

/** A value read at scrape time. */
export type GaugeCollector = () =>
  | Iterable<readonly [Labels, number]>
  | Promise<Iterable<readonly [Labels, number]>>

/** A distribution of observations in cumulative buckets. */
export interface Histogram {
  observe(value: number): void
  /** How many observations were made. */
  count(): number
}

/** The registry. */
export interface MetricsRegistry {
  counter(name: string, help: string): Counter
  /** A gauge whose values `collect` supplies on every scrape; a throwing collector is skipped. */
  gauge(name: string, help: string, collect: GaugeCollector): void
  /** A histogram with these upper bounds (ascending; `+Inf` is added). */
  histogram(name: string, help: string, buckets: readonly number[]): Histogram
  /** The exposition text of every metric. */
  render(): Promise<string>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

/** Creates an empty registry. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers: (() => string | Promise<string>)[] = []
  const names = new Set<string>()

  function register(name: string): void {
    if (!NAME.test(name)) throw new TypeError(`invalid metric name ${name}`)
    if (names.has(name)) throw new TypeError(`metric ${name} is registered twice`)
    names.add(name)
  }

  return {
    counter(name, help) {
      register(name)
      // Keyed by the rendered label set, so a scrape prints it as is.
      const values = new Map<string, number>()
      renderers.push(() => {
        let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} counter\n`
        if (values.size === 0) text += `${name} 0\n`
        for (const [labels, value] of values) text += `${name}${labels} ${formatNumber(value)}\n`
        return text
      })
      return {
        inc(labels, amount = 1) {
          const key = renderLabels(labels)
          values.set(key, (values.get(key) ?? 0) + amount)
        },
        bind(labels) {
          const key = renderLabels(labels)
          return {
            inc(amount = 1) {
              values.set(key, (values.get(key) ?? 0) + amount)
            },
          }
        },
        get(labels) {
          return values.get(renderLabels(labels)) ?? 0
        },
      }
    },
    gauge(name, help, collect) {
      register(name)
      renderers.push(async () => {
        let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} gauge\n`
        try {
          for (const [labels, value] of await collect()) {
            text += `${name}${renderLabels(labels)} ${formatNumber(value)}\n`
          }
        } catch {
          // A failing source (store down) leaves the gauge empty; /readyz reports the cause.
        }
        return text
      })
    },
    histogram(name, help, buckets) {
      register(name)
      const bounds = [...buckets].sort((a, b) => a - b)
      const counts = new Array<number>(bounds.length).fill(0)
      let sum = 0
      let total = 0
      renderers.push(() => {
        let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} histogram\n`
        let cumulative = 0
        for (let i = 0; i < bounds.length; i++) {
          cumulative += counts[i]!
          text += `${name}_bucket{le="${formatNumber(bounds[i]!)}"} ${cumulative}\n`
        }
        text += `${name}_bucket{le="+Inf"} ${total}\n${name}_sum ${formatNumber(sum)}\n${name}_count ${total}\n`
        return text
      })
      return {
        observe(value) {
          sum += value
          total++
          for (let i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]!) {
              counts[i]!++
              return
            }
          }
        },
        count: () => total,
      }
    },
    async render() {
      const parts = await Promise.all(renderers.map((render) => render()))
      return parts.join('')
    },
  }
}

function renderLabels(labels: Labels | undefined): string {
  if (labels === undefined) return ''
  const keys = Object.keys(labels)
  if (keys.length === 0) return ''
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key]!)}"`).join(',')}}`
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
