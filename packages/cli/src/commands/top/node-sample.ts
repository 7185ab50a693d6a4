/** What `top` shows of one node, read from one process's `/metrics`. */
export interface NodeRow {
  readonly node: string;
  readonly state: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly lag: number | undefined;
  readonly inFlight: number;
  readonly credits: number;
  readonly deadLetters: number;
  readonly failures: number;
}

/** One scrape of one node process: its nodes, or why it could not be read. */
export type NodeSample = { readonly url: string; readonly at: number; readonly rows: readonly NodeRow[] } | { readonly url: string; readonly at: number; readonly error: string };

/** prom-client's JSON form of a metric family (`/metrics?format=json`). */
interface JsonFamily {
  readonly name: string;
  readonly values: ReadonlyArray<{ readonly value: number; readonly labels: { readonly [k: string]: string | number } }>;
}

/**
 * Reads `<url>/metrics` as prom-client's JSON (the same registry as the Prometheus text; JSON needs
 * no text-format parser) and sums what `top` shows per node. Never throws: an unreachable node is a
 * row saying so.
 */
export async function scrapeNode(url: string, timeoutMs = 2000): Promise<NodeSample> {
  const at = Date.now();
  let families: JsonFamily[];
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/metrics?format=json`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { url, at, error: `HTTP ${res.status}` };
    families = (await res.json()) as JsonFamily[];
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { url, at, error: cause ?? (e as Error).message };
  }
  const byName = new Map(families.map((f) => [f.name, f]));
  const sum = (name: string, node: string): number | undefined => {
    const values = byName.get(name)?.values.filter((v) => v.labels['node'] === node);
    return values === undefined || values.length === 0 ? undefined : values.reduce((n, v) => n + v.value, 0);
  };
  const nodes = [...new Set((byName.get('vision_flow_in_flight')?.values ?? []).map((v) => String(v.labels['node'])))];
  const rows = nodes.map((node): NodeRow => {
    const state = byName.get('vision_flow_node_running')?.values.find((v) => v.labels['node'] === node)?.labels['state'];
    const readsTopics = (byName.get('vision_flow_assigned_partitions')?.values ?? []).some((v) => v.labels['node'] === node);
    return {
      node,
      state: state === undefined ? '?' : String(state),
      recordsIn: sum('vision_flow_records_in_total', node) ?? 0,
      recordsOut: sum('vision_flow_records_out_total', node) ?? 0,
      lag: readsTopics ? (sum('vision_flow_consumer_lag', node) ?? 0) : undefined,
      inFlight: sum('vision_flow_in_flight', node) ?? 0,
      credits: sum('vision_flow_pull_credits', node) ?? 0,
      deadLetters: sum('vision_flow_dead_letters_total', node) ?? 0,
      failures: sum('vision_flow_node_failures_total', node) ?? 0,
    };
  });
  return { url, at, rows };
}
