/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough to prove `/metrics` output is
 * valid: every line is a HELP, a TYPE or a sample of a declared metric.
 */

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`).
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|[Ii][Nn][Ff])|[Nn][Aa][Nn])'
const HELP = new RegExp(`^# HELP (${NAME}) .*$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const SAMPLE = new RegExp(`^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (${VALUE})$`)

/** One sample line. */
export interface Sample {
  name: string
  labels: string
  value: number
}

/** Parses the text; throws naming the first invalid line. */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  for (const line of text.slice(0, -1).split('\n')) {
    // The format ignores empty lines (prom-client puts one between metrics).
    if (line === '' || HELP.test(line)) continue
    const type = TYPE.exec(line)
    if (type) {
      if (types.has(type[1]!)) throw new Error(`TYPE declared twice: ${line}`)
      types.set(type[1]!, type[2]!)
      continue
    }
    const sample = SAMPLE.exec(line)
    if (!sample) throw new Error(`invalid line: ${JSON.stringify(line)}`)
    const name = sample[1]!
    const base = name.replace(/_(bucket|sum|count)$/, '')
    if (!types.has(name) && !(types.get(base) === 'histogram'))
      throw new Error(`sample of undeclared metric: ${line}`)
    samples.push({ name, labels: sample[2] ?? '', value: numberOf(sample[3]!) })
  }
  return { types, samples }
}

/** The value of one sample, or `undefined`. */
export function sampleValue(samples: readonly Sample[], name: string, labels = ''): number | undefined {
  return samples.find((sample) => sample.name === name && sample.labels === labels)?.value
}

function numberOf(text: string): number {
  if (/^nan$/i.test(text)) return Number.NaN
  return Number(text.replace(/inf$/i, 'Infinity'))
}
