import type { TopologyDescription } from '@vision-flow/core';

/** A plain-text listing: each node with its input, operators and output, then the topics. */
export function renderText(d: TopologyDescription): string {
  const lines = [`topology ${d.name}`, '', 'nodes:'];
  const width = Math.max(...d.nodes.map((n) => n.name.length));
  for (const n of d.nodes) {
    const input = n.input.kind === 'topics' ? n.input.topics.join(' + ') : `[${n.input.source}${Object.keys(n.input.settings).length ? ` ${Object.entries(n.input.settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : ''}]`;
    const chain = [input, ...n.operators, n.output ?? '(sink)'].join(' → ');
    lines.push(`  ${n.name.padEnd(width)}  ${chain}`);
    const extras = [`dead letters → ${n.deadLetter}`, ...n.stores.map((s) => `store ${s.name} (${s.kind}) ⇄ ${s.changelog ?? 'not logged'}`)];
    for (const e of extras) lines.push(`  ${''.padEnd(width)}    ${e}`);
  }
  lines.push('', 'topics:');
  const tw = Math.max(...d.topics.map((t) => t.name.length));
  for (const t of d.topics) lines.push(`  ${t.name.padEnd(tw)}  ${t.role.padEnd(12)} ${String(t.partitions).padStart(2)} partition${t.partitions === 1 ? ' ' : 's'}  ${t.valueType}${t.compacted ? '  compacted' : ''}`);
  return lines.join('\n');
}

const id = (kind: 'n' | 't', name: string) => `${kind}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

/**
 * Text for a quoted Mermaid label. Mermaid has no backslash escapes; it reads `#name;` and `#35;`
 * as entity codes, so `#` goes first, then the quote that would end the label, then the characters
 * its HTML labels would take for markup.
 */
export const mermaidText = (s: string): string =>
  s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/&/g, '#amp;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

/** A Mermaid flowchart: nodes as boxes, topics as cylinders, left to right. */
export function renderMermaid(d: TopologyDescription): string {
  const lines = ['flowchart LR'];
  for (const t of d.topics.filter((x) => x.role !== 'dead-letter' && x.role !== 'changelog')) lines.push(`  ${id('t', t.name)}[("${mermaidText(t.name)}")]`);
  for (const n of d.nodes) {
    const label = [n.name, ...(n.input.kind === 'source' ? [`source: ${n.input.source}`] : []), ...n.operators].map(mermaidText).join('<br/>');
    lines.push(`  ${id('n', n.name)}["${label}"]`);
    if (n.input.kind === 'topics') for (const t of n.input.topics) lines.push(`  ${id('t', t)} --> ${id('n', n.name)}`);
    if (n.output) lines.push(`  ${id('n', n.name)} --> ${id('t', n.output)}`);
    lines.push(`  ${id('n', n.name)} -.-> ${id('t', n.deadLetter)}[("${mermaidText(n.deadLetter)}")]`);
    for (const s of n.stores) if (s.changelog) lines.push(`  ${id('n', n.name)} <-.-> ${id('t', s.changelog)}[("${mermaidText(s.changelog)}")]`);
  }
  return lines.join('\n');
}
