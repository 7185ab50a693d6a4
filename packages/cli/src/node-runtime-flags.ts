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
 *
 * `--turbo-filter=-parseSource`: V8's optimising compiler skips the one function named `parseSource`,
 * Node's CommonJS export lexer (node:internal/deps/cjs-module-lexer). Every isolate (the node and each
 * inference worker) runs it over the large CommonJS files its ES modules import (sharp's colour
 * library), long enough for an on-stack optimisation of that huge function: ~70 ms of compiler time
 * per isolate, for code that never runs again. `--trace-opt` over the image pipeline on 400 images:
 * 8 such compiles, 572 of 1,758 ms of all compiling; with the flag, none. A one-image run: 1.47 ->
 * 1.23 s of CPU (mean of five alternated pairs).
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--no-parallel-scavenge', '--turbo-filter=-parseSource'];
