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
 *
 * `--initial-old-space-size=64`: V8 starts the old generation's limit at 64 MB instead of letting it
 * follow a small live heap up step by step. The image pipeline's main isolate holds ~10-25 MB (the
 * aggregate's per-image state, records in flight) and made 22 Mark-Compacts per 400 images, its GC
 * a quarter of the main thread's busy time in the steady state. 8 alternated pairs of 400-image runs:
 * 7 faster, CPU -2.7 % on average, max RSS unchanged (docs/performance.md, "Vision").
 *
 * `--interrupt-budget=400000`: a function is optimised once it has run ~3× more bytecode than by
 * default (132 KB). V8's optimising compiler otherwise keeps compiling warm per-record functions all
 * through a run, ~300 compiles over the 400-image pipeline on its helper threads (5 % of the CPU, on
 * cores the inference workers need), most for code that runs too few times to earn its compile;
 * the hot loops still reach it within their first images. 6 alternated pairs of 400-image runs: all
 * 6 faster, wall 5.61 -> 5.46 s, CPU 10.55 -> 10.21 s; one image: CPU 1.00 -> 0.88 s (5 pairs).
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--no-parallel-scavenge', '--turbo-filter=-parseSource', '--initial-old-space-size=64', '--interrupt-budget=400000'];
