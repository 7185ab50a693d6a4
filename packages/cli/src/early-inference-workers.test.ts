import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { earlyInferenceWorkers } from './early-inference-workers.js';

describe('earlyInferenceWorkers', () => {
  it('starts one inference worker per core for `vision-flow run`, to be taken by its pool', async () => {
    const workers = await earlyInferenceWorkers(['node', 'vision-flow', 'run', 'topology.ts', '--images', 'dir']);
    expect(workers?.waiting).toBe(availableParallelism());
    await workers!.close();
    expect(workers!.waiting).toBe(0);
  }, 30_000);

  it('starts nothing for other commands, or when help is asked for', async () => {
    for (const args of [['ps'], ['graph', 'topology.ts'], ['run', '--help'], ['run', 'topology.ts', '-h'], []]) {
      expect(await earlyInferenceWorkers(['node', 'vision-flow', ...args]), args.join(' ')).toBeUndefined();
    }
  });
});
