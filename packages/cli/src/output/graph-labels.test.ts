import { describe, expect, it } from 'vitest';
import { avro, named, topic, topology } from '@vision-flow/core';
import { renderDot } from './render-dot.js';
import { renderMermaid } from './render-graph.js';
import { renderSvg } from './render-svg.js';

// What `jsonLinesSink(param('out', { default: '-' }))` describes itself as: quotes and backslashes.
const SINK = 'jsonLinesSink("$out (default \\"-\\")")';
const OTHER = 'keep<Rec> #1 & more';
const raw = topic('raw', { value: avro.record('t.Raw', { n: avro.int() }) });
const described = topology('labels')
  .node('deliver', (n) => n.from(raw).pipe(named(OTHER, (s) => s), named(SINK, (s) => s)))
  .describe();

/** Undoes Mermaid's entity codes (`#quot;`, `#35;`) as Mermaid does before drawing. */
const mermaidDecode = (s: string) =>
  s.replace(/#(\w+);/g, (_, code: string) => (/^\d+$/.test(code) ? String.fromCharCode(Number(code)) : ({ quot: '"', amp: '&', lt: '<', gt: '>' } as Record<string, string>)[code]!));

describe('operator labels with quotes, backslashes and markup characters', () => {
  it('are written as Mermaid entity codes in a quoted label, so Mermaid shows them as the text listing does', () => {
    const line = renderMermaid(described).split('\n').find((l) => l.startsWith('  n_deliver['))!;
    const m = /^ {2}n_deliver\["(.*)"\]$/.exec(line);
    expect(m, line).not.toBeNull();
    const label = m![1]!;
    const parts = label.split('<br/>');
    for (const part of parts) expect(part, part).not.toMatch(/["<>&]|#(?!quot;|35;|amp;|lt;|gt;)/);
    expect(parts.map(mermaidDecode)).toEqual(['deliver', OTHER, SINK]);
  });

  it('are DOT-escaped: a quote as \\" and a backslash as \\\\, which Graphviz shows as one', () => {
    const dot = renderDot(described);
    expect(dot).toContain(`label="deliver\\n${OTHER}\\njsonLinesSink(\\"$out (default \\\\\\"-\\\\\\")\\")"`);
  });

  it('are XML-escaped in the SVG text and otherwise as given', () => {
    const svg = renderSvg(described);
    expect(svg).toContain(`>· ${SINK}</text>`);
    expect(svg).toContain('>· keep&lt;Rec&gt; #1 &amp; more</text>');
  });
});
