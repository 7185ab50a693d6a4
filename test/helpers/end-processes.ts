import type { CliProcess } from './cli.js';
import { PipelineNode } from './pipeline-processes.js';

/**
 * Ends every process a test started that still runs, whatever happened in the test (for afterAll),
 * and resolves once each has exited. A pipeline node gets SIGTERM and `graceMs` to stop before
 * SIGKILL; a plain `vision-flow` process is SIGKILLed at once (a test that passed stopped it already).
 */
export async function endProcesses(procs: Iterable<CliProcess | PipelineNode | undefined>, graceMs = 5_000): Promise<void> {
  await Promise.all(
    [...procs].map(async (p) => {
      if (p instanceof PipelineNode) {
        await p.stop(graceMs).catch(() => undefined);
      } else if (p) {
        p.kill('SIGKILL');
        await p.exited;
      }
    }),
  );
}
