import { createRequire } from 'node:module';

/** One sample as parse-prometheus-text-format gives it (prom2json's shape); histograms carry count and sum. */
export interface Sample {
  readonly value?: string;
  readonly count?: string;
  readonly sum?: string;
  readonly buckets?: { readonly [le: string]: string };
  readonly labels?: { readonly [name: string]: string };
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly Sample[];
}

// The package ships no types; its CommonJS build exports the parser itself.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

/**
 * Parses Prometheus text (it throws on text that is not the format) into families by name. The
 * parser folds a histogram's samples into one and loses their labels, so each histogram is also
 * given as its `<name>_count`, `<name>_sum` and `<name>_bucket` families, with labels.
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map(parse(text).map((f) => [f.name, f]));
  const flat = parse(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  for (const f of flat) if (!families.has(f.name)) families.set(f.name, f);
  return families;
}

/** The samples of `name` whose labels include `labels`. */
export function samples(families: Map<string, MetricFamily>, name: string, labels: { readonly [k: string]: string } = {}): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
}

/** The sum of the values (a histogram's counts) of `name`'s samples matching `labels`; 0 when none. */
export function total(families: Map<string, MetricFamily>, name: string, labels: { readonly [k: string]: string } = {}): number {
  return samples(families, name, labels).reduce((n, s) => n + Number(s.value ?? s.count ?? 0), 0);
}
