#!/usr/bin/env node
// The installed `vision-flow` command. It is committed (not built) so that `npm ci` links it before
// the first build; the CLI itself is compiled to dist/ by `bash scripts/setup.sh` (or `npm run build`).
try {
  await import('../dist/bin.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    process.stderr.write('vision-flow: the CLI is not built yet; run `bash scripts/setup.sh` (or `npm run build`) in the repository first\n');
    process.exit(2);
  }
  throw e;
}
