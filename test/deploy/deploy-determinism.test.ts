// `vision-flow deploy` writes the same bytes for the same topology and options: two runs into two
// folders are compared file by file, for both targets and for a topology with stores.
import { describe, expect, it } from 'vitest';
import { generate, TOPOLOGIES } from './generate.js';

describe('vision-flow deploy is deterministic', () => {
  it.each([
    { topology: TOPOLOGIES.pipeline, target: 'compose' as const },
    { topology: TOPOLOGIES.pipeline, target: 'k8s' as const },
    { topology: TOPOLOGIES.analytics, target: 'compose' as const },
    { topology: TOPOLOGIES.analytics, target: 'k8s' as const },
  ])('writes byte-identical $target files for $topology twice', async ({ topology, target }) => {
    const extra = ['--replicas', topology === TOPOLOGIES.pipeline ? 'objects=2' : 'activity=2', '--namespace', 'prod'];
    const a = await generate(topology, target, extra);
    const b = await generate(topology, target, extra);
    expect(a.dir).not.toBe(b.dir);
    expect([...b.files.keys()]).toEqual([...a.files.keys()]);
    for (const [name, text] of a.files) expect(Buffer.from(b.files.get(name)!).equals(Buffer.from(text)), name).toBe(true);
    expect([...a.files.values()].join('\n'), 'no machine-specific path or time').not.toMatch(/\/tmp\/|\/work\/|\/home\/|\d{4}-\d\d-\d\dT/);
  });
});
