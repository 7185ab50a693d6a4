import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { top } from './index.js';

/** A non-terminal output: frames come one after another, no screen clearing. */
function capture(): { out: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { out: s as unknown as NodeJS.WriteStream, text: () => text };
}

describe('vision-flow top', () => {
  it("reads the nodes' HTTP ports from the up state file and prints a frame per refresh", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-top-'));
    const file = join(dir, 'image-pipeline.json');
    const state = { topology: 'image-pipeline', topologyFile: '/x/image-pipeline.ts', supervisorPid: 1, startedAt: new Date().toISOString(), launcher: 'processes', stopTimeoutMs: 1000, nodes: [
      { node: 'ingest', replica: 1, name: 'ingest#1', httpPort: 2, restarts: 0, status: 'done' },
      { node: 'objects', replica: 1, name: 'objects#1', httpPort: 1, restarts: 0, status: 'running' },
    ] };
    writeFileSync(file, JSON.stringify(state));
    const c = capture();
    expect(await top(undefined, { stateFile: file, iterations: '2', interval: '10' }, c.out)).toEqual({ exitCode: 0 });
    const frames = c.text().split(/^(?=vision-flow top)/m);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('vision-flow top · image-pipeline (ingest#1 done) · 0/1 processes');
    expect(frames[0]).not.toContain(':2 ');
    expect(frames[0]).toMatch(/unreachable .*http:\/\/127\.0\.0\.1:1 \(/);
    expect(c.text()).not.toContain('\x1b['); // no screen clearing on a pipe
  });

  it('refuses a --url that is not an http URL, and a bad interval, naming the fix', async () => {
    await expect(top(undefined, { url: ['localhost:9464'], iterations: '1' }, capture().out)).rejects.toThrow('--url localhost:9464 is not an http(s) URL; give a node\'s HTTP server, e.g. http://127.0.0.1:9464');
    await expect(top(undefined, { url: ['http://127.0.0.1:1'], interval: 'fast' }, capture().out)).rejects.toThrow('interval must be a positive integer');
  });
});
