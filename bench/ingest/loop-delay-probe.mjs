// Preloaded into the ingest node by bench/ingest-load.ts (node --import): on SIGUSR2 it prints the
// event-loop delay since the previous signal (perf_hooks.monitorEventLoopDelay, 1 ms resolution)
// as one "loop-delay:" line on standard error, and starts over. Bench-only; nothing in the node uses it.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const ms = (ns) => (ns / 1e6).toFixed(1);
process.on('SIGUSR2', () => {
  process.stderr.write(`loop-delay: p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, p999 ${ms(h.percentile(99.9))} ms, max ${ms(h.max)} ms over ${h.count} samples\n`);
  h.reset();
});
