/**
 * V8 flags every process that runs topology nodes starts with (`vision-flow up`'s children, container
 * entrypoints; bin/vision-flow.cjs and dist/bin.js carry the same in their shebang lines).
 *
 * `--no-parallel-scavenge`: a young-generation collection runs on the node's own thread instead of
 * being split over V8's helper threads. A node shares its cores with librdkafka's threads (and, on
 * small machines, the broker): the helpers wait for a core while the node's thread waits for them to
 * join (`perf` of a windowed aggregation: its most frequent blocking point). Windows node, two
 * alternated pairs: 8.2 -> 7.2-7.4 us CPU per record, +5-7 % events/s; the image pipeline unchanged
 * (docs/performance.md, "Windows"). The flag is not allowed in NODE_OPTIONS and cannot be set once
 * V8 runs, so it goes on the command line.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--no-parallel-scavenge'];
