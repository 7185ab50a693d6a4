import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '@vision-flow/core';
import { loadTopology } from '../../load-topology.js';
import { renderMermaid, renderText } from '../../output/render-graph.js';
import { renderDot } from '../../output/render-dot.js';
import { renderSvg } from '../../output/render-svg.js';
import type { GraphOptions, GraphResult } from './types.js';

/** `vision-flow graph <topology>`: the topology's nodes, topics and edges. */
export async function run(file: string, opts: GraphOptions): Promise<GraphResult> {
  const description = (await loadTopology(file)).describe();
  if (opts.output) await mkdir(dirname(opts.output), { recursive: true });
  let out: string;
  switch (opts.format) {
    case 'text':
      out = renderText(description);
      break;
    case 'mermaid':
      out = renderMermaid(description);
      break;
    case 'json':
      out = JSON.stringify(description, null, 2);
      break;
    case 'dot':
      out = renderDot(description);
      break;
    case 'svg':
      out = renderSvg(description);
      break;
    case 'png': {
      if (!opts.output) throw new ConfigError('graph --format png writes a picture: pass -o <file>.png');
      const { default: sharp } = await import('sharp');
      await sharp(Buffer.from(renderSvg(description)), { density: 144 }).png().toFile(opts.output);
      return { text: undefined };
    }
    default:
      throw new ConfigError(`graph --format ${opts.format} is not supported; use text, mermaid, dot, svg, png or json`);
  }
  if (opts.output) {
    await writeFile(opts.output, out);
    return { text: undefined };
  }
  return { text: out };
}
export type { GraphOptions, GraphResult } from './types.js';
