#!/usr/bin/env -S node --no-parallel-scavenge --turbo-filter=-parseSource --initial-old-space-size=64 --interrupt-budget=400000
import { earlyInferenceWorkers } from './early-inference-workers.js';

// First, before the CLI's modules load: see early-inference-workers.ts. Should that fail, the run
// starts its workers itself, as it would for a caller of `main()`.
const inferenceWorkers = await earlyInferenceWorkers(process.argv).catch(() => undefined);
const { main } = await import('./cli.js');

// `vision-flow tail … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

await main(process.argv, { inferenceWorkers });
await inferenceWorkers?.close(); // those no run took

// The command has closed everything it opened. A handle a library may still hold (a worker thread
// winding down, a timer) must not keep a finished run alive: exit once stdout and stderr are flushed.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
if (process.env['VF_DEBUG_HANDLES']) process.stderr.write(`vision-flow: still open at exit: ${process.getActiveResourcesInfo().join(', ')}\n`);
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode ?? 0);
