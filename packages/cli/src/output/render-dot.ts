import type { TopologyDescription } from '@vision-flow/core';

/** A DOT quoted string; line breaks become DOT's centred `\n`. */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Graphviz DOT: nodes as boxes, data topics as cylinders; dead letters and changelogs dashed. */
export function renderDot(d: TopologyDescription): string {
  const lines = [`digraph ${q(d.name)} {`, '  rankdir=LR;', '  node [fontname="DejaVu Sans", fontsize=11];'];
  for (const t of d.topics) {
    const side = t.role === 'dead-letter' || t.role === 'changelog';
    lines.push(`  ${q(`topic:${t.name}`)} [label=${q(`${t.name}\n${t.partitions} partitions`)}, shape=cylinder${side ? ', style=dashed, color=gray40' : ''}];`);
  }
  for (const n of d.nodes) {
    const label = [n.name, ...(n.input.kind === 'source' ? [`source: ${n.input.source}`] : []), ...n.operators].join('\n');
    lines.push(`  ${q(`node:${n.name}`)} [label=${q(label)}, shape=box, style="rounded,filled", fillcolor="#e8f0fe"];`);
    if (n.input.kind === 'topics') for (const t of n.input.topics) lines.push(`  ${q(`topic:${t}`)} -> ${q(`node:${n.name}`)};`);
    if (n.output) lines.push(`  ${q(`node:${n.name}`)} -> ${q(`topic:${n.output}`)};`);
    lines.push(`  ${q(`node:${n.name}`)} -> ${q(`topic:${n.deadLetter}`)} [style=dashed, color=gray40];`);
    for (const s of n.stores) if (s.changelog) lines.push(`  ${q(`node:${n.name}`)} -> ${q(`topic:${s.changelog}`)} [style=dashed, color=gray40, dir=both];`);
  }
  lines.push('}');
  return lines.join('\n');
}
