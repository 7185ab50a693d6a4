#!/usr/bin/env -S node --no-parallel-scavenge --turbo-filter=-parseSource --initial-old-space-size=64 --interrupt-budget=400000
// The installed `vision-flow` command. It is committed (not built) so that `npm ci` links it before
// the first build; the CLI itself is compiled to dist/ by `bash scripts/setup.sh` (or `npm run build`).
//
// CommonJS so that it runs before anything touches libuv's thread pool, which reads
// UV_THREADPOOL_SIZE once, when first used (an ES module entry is too late: its loader already has).
// librdkafka's waiting calls (each consumer's consume, a producer's flush at every commit) and
// sharp's image work each hold a pool thread; with several nodes in one process the default 4 would
// queue them behind each other.
process.env.UV_THREADPOOL_SIZE ??= '16';
import('../dist/bin.js').catch((e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    process.stderr.write('vision-flow: the CLI is not built yet; run `bash scripts/setup.sh` (or `npm run build`) in the repository first\n');
    process.exit(2);
  }
  throw e;
});
