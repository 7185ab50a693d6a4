import { groupOf, PIPELINE, type ClusterView, type PipelineNodeName, type TopicRecord } from './pipeline-processes.js';

/**
 * Where the records of ids that never got a result are: for each topic of the image pipeline (and
 * the aggregate's changelog), each record of the id as partition@offset and, for each node reading
 * that topic, whether its group has committed past it. A record committed past with nothing after
 * it downstream was lost once read; one not committed past was never finished (a stalled partition).
 */
export async function traceKeys(view: ClusterView, keys: readonly string[]): Promise<string> {
  const topics = [PIPELINE.nodes.ingest.output, PIPELINE.nodes.objects.output, PIPELINE.nodes.faces.output, PIPELINE.changelog, PIPELINE.nodes.aggregate.output];
  const nodes = Object.keys(PIPELINE.nodes) as PipelineNodeName[];
  const lines: string[] = [];
  for (const topic of topics) {
    if (!(await view.exists(topic))) {
      lines.push(`  ${topic}: no such topic`);
      continue;
    }
    const records = (await view.readAll(topic)).filter((r) => keys.includes(String(r.key)));
    const readers = nodes.filter((n) => (PIPELINE.nodes[n].inputs as readonly string[]).includes(topic));
    const committed = new Map(await Promise.all(readers.map(async (n) => [n, await view.committed(groupOf(n), topic)] as const)));
    for (const key of keys) {
      const found = records.filter((r) => String(r.key) === key).map((r) => `${r.partition}@${r.offset}${readers.map((n) => ` (${n}: ${(committed.get(n)!.get(r.partition) ?? 0) > r.offset ? 'committed past' : 'not committed past'})`).join('')} ${summary(r)}`);
      lines.push(`  ${topic} ${key}: ${found.length === 0 ? 'no record' : found.join('; ')}`);
    }
  }
  return lines.join('\n');
}

/** A record's value in brief: its field names and short fields (no image bytes or detection lists). */
function summary(r: TopicRecord): string {
  if (r.value === null || typeof r.value !== 'object') return String(r.value);
  const fields = Object.entries(r.value as Record<string, unknown>).map(([k, v]) => (typeof v === 'boolean' || typeof v === 'number' || (typeof v === 'string' && v.length <= 40) ? `${k}=${String(v)}` : k));
  return `{${fields.join(', ')}}`;
}
