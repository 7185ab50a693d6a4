import type { TopologyDescription } from '@vision-flow/core';

/**
 * An SVG picture of a topology without Graphviz: data flows left to right in columns (source
 * nodes first, each topic one column right of its writer, each node one right of its inputs);
 * nodes are blue boxes listing their operators, topics are cylinders. Dead-letter and changelog
 * topics are left out of the layout and listed under their node, so the main flow stays readable.
 */
export function renderSvg(d: TopologyDescription): string {
  type Item = { kind: 'node' | 'topic'; name: string; lines: string[]; col: number; row: number; x: number; y: number; w: number; h: number };
  const items = new Map<string, Item>();
  const key = (kind: 'node' | 'topic', name: string) => `${kind}:${name}`;
  const side = new Set(d.topics.filter((t) => t.role === 'dead-letter' || t.role === 'changelog').map((t) => t.name));
  for (const t of d.topics) {
    if (side.has(t.name)) continue;
    items.set(key('topic', t.name), { kind: 'topic', name: t.name, lines: [t.name, `${t.partitions} partitions · ${t.valueType.split('.').pop()}`], col: 0, row: 0, x: 0, y: 0, w: 0, h: 0 });
  }
  for (const n of d.nodes) {
    const lines = [n.name, ...(n.input.kind === 'source' ? [`source: ${n.input.source}`] : []), ...n.operators.map((o) => `· ${o}`), `dlq → ${n.deadLetter}`, ...n.stores.map((s) => `store ${s.name} ⇄ changelog`)];
    items.set(key('node', n.name), { kind: 'node', name: n.name, lines, col: 0, row: 0, x: 0, y: 0, w: 0, h: 0 });
  }
  const edges: Array<[string, string]> = [];
  for (const n of d.nodes) {
    if (n.input.kind === 'topics') for (const t of n.input.topics) edges.push([key('topic', t), key('node', n.name)]);
    if (n.output && !side.has(n.output)) edges.push([key('node', n.name), key('topic', n.output)]);
  }
  // Longest-path layering; the graph is a DAG (a topology never feeds a topic back to its writer's inputs).
  for (let pass = 0; pass < items.size; pass++) {
    let moved = false;
    for (const [from, to] of edges) {
      const a = items.get(from)!;
      const b = items.get(to)!;
      if (b.col < a.col + 1) (b.col = a.col + 1), (moved = true);
    }
    if (!moved) break;
  }
  const charW = 7;
  const lineH = 16;
  const pad = 10;
  const colGap = 60;
  const rowGap = 24;
  const columns = new Map<number, Item[]>();
  for (const it of items.values()) {
    it.w = Math.max(...it.lines.map((l) => l.length)) * charW + pad * 2 + (it.kind === 'topic' ? 10 : 0);
    it.h = it.lines.length * lineH + pad * 2 + (it.kind === 'topic' ? 12 : 0);
    columns.set(it.col, [...(columns.get(it.col) ?? []), it]);
  }
  let x = 20;
  let height = 0;
  for (const col of [...columns.keys()].sort((a, b) => a - b)) {
    const list = columns.get(col)!;
    const w = Math.max(...list.map((i) => i.w));
    let y = 20;
    for (const it of list) {
      it.x = x + (w - it.w) / 2;
      it.y = y;
      y += it.h + rowGap;
    }
    height = Math.max(height, y);
    x += w + colGap;
  }
  // Centre each column vertically against the tallest.
  for (const list of columns.values()) {
    const bottom = Math.max(...list.map((i) => i.y + i.h));
    const shift = (height - rowGap - bottom) / 2;
    for (const it of list) it.y += shift;
  }
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out: string[] = [];
  const width = x - colGap + 20;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 40}" viewBox="0 0 ${width} ${height + 40}" font-family="DejaVu Sans, sans-serif" font-size="12">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>');
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="20" y="${height + 30}" fill="#555">topology ${esc(d.name)}</text>`);
  for (const [from, to] of edges) {
    const a = items.get(from)!;
    const b = items.get(to)!;
    const x1 = a.x + a.w;
    const y1 = a.y + a.h / 2;
    const x2 = b.x;
    const y2 = b.y + b.h / 2;
    const mid = (x1 + x2) / 2;
    out.push(`<path d="M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}" fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  }
  for (const it of items.values()) {
    if (it.kind === 'node') {
      out.push(`<rect x="${it.x}" y="${it.y}" width="${it.w}" height="${it.h}" rx="8" fill="#e8f0fe" stroke="#3b6fd8" stroke-width="1.5"/>`);
    } else {
      const ry = 6;
      out.push(`<path d="M ${it.x} ${it.y + ry} A ${it.w / 2} ${ry} 0 0 1 ${it.x + it.w} ${it.y + ry} V ${it.y + it.h - ry} A ${it.w / 2} ${ry} 0 0 1 ${it.x} ${it.y + it.h - ry} Z" fill="#fff4e0" stroke="#d08a1e" stroke-width="1.5"/>`);
      out.push(`<path d="M ${it.x} ${it.y + ry} A ${it.w / 2} ${ry} 0 0 0 ${it.x + it.w} ${it.y + ry}" fill="none" stroke="#d08a1e" stroke-width="1.5"/>`);
    }
    const top = it.y + pad + (it.kind === 'topic' ? 12 : 0) + 12;
    it.lines.forEach((line, i) => {
      const weight = i === 0 ? ' font-weight="bold"' : '';
      const colour = i === 0 ? '#111' : '#333';
      out.push(`<text x="${it.x + pad + (it.kind === 'topic' ? 5 : 0)}" y="${top + i * lineH}" fill="${colour}"${weight}>${esc(line)}</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n');
}
