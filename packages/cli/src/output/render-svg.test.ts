import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { avro, topic, topology } from '@vision-flow/core';
import { renderDot } from './render-dot.js';
import { renderSvg } from './render-svg.js';

const raw = topic('raw', { value: avro.record('t.Raw', { n: avro.int() }) });
const clean = topic('clean', { value: avro.record('t.Clean', { n: avro.int() }) });
const chain = topology('chain')
  .node('a', (n) => n.from(raw).to(clean))
  .node('b', (n) => n.from(clean).pipe());

describe('renderSvg', () => {
  const svg = renderSvg(chain.describe());

  it('draws every node and data topic, but no dead-letter topic as a box of its own', () => {
    for (const name of ['a', 'b', 'raw', 'clean']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).not.toContain('>a.dlq</text>');
    expect(svg).toContain('dlq → a.dlq');
  });

  it('lays the flow out left to right: raw, then a, then clean, then b', () => {
    const xOf = (label: string) => Number(new RegExp(`<text x="([0-9.]+)"[^>]*>${label}</text>`).exec(svg)?.[1]);
    expect(xOf('raw')).toBeLessThan(xOf('a'));
    expect(xOf('a')).toBeLessThan(xOf('clean'));
    expect(xOf('clean')).toBeLessThan(xOf('b'));
  });

  it('is an SVG that renders to a PNG', async () => {
    const meta = await sharp(Buffer.from(svg)).png().toBuffer({ resolveWithObject: true });
    expect(meta.info.format).toBe('png');
    expect(meta.info.width).toBeGreaterThan(200);
  });
});

describe('renderDot', () => {
  it('writes topic → node → topic edges and dashed dead-letter edges', () => {
    const dot = renderDot(chain.describe());
    expect(dot).toContain('"topic:raw" -> "node:a";');
    expect(dot).toContain('"node:a" -> "topic:clean";');
    expect(dot).toMatch(/"node:a" -> "topic:a\.dlq" \[style=dashed/);
  });
});
