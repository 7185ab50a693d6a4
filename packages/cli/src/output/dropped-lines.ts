/** Dropped records grouped by node, then by reason (RunMonitor.droppedByNode). */
export type DroppedByNode = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * The run summary's line for records processors dropped on purpose. A run that delivers fewer
 * results than it took in says why: e.g. collectByKey drops the parts of a key it completed within
 * its retention (the same images run again on Kafka within the hour), which a user would otherwise
 * take for lost data.
 */
export function droppedLines(dropped: DroppedByNode): string[] {
  if (dropped.size === 0) return [];
  const nodes = [...dropped].map(([node, reasons]) => `${node} (${[...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ')})`);
  const duplicates = [...dropped.values()].some((reasons) => reasons.has('duplicate'));
  const hint = duplicates ? '; a duplicate is a part of a key already complete within its retention (e.g. the same images run again), see docs/configuration.md' : '';
  return [`dropped: ${nodes.join(', ')}${hint}`];
}
