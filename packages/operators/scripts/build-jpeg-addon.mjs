// Builds native/jpeg_decode.node (the inference workers' JPEG decoder, src/vision/jpeg-turbo.ts)
// with node-gyp against the system's libjpeg-turbo: on Debian, `apt-get install libturbojpeg0-dev`
// (scripts/setup.sh installs it). Optional: without it the build goes on, says so, and JPEGs decode
// with sharp as every other format does (the same pixels, ~2 ms more CPU per image).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = fileURLToPath(new URL('../native/', import.meta.url));
// npm hands its own node-gyp to the scripts it runs; otherwise the one npm ships beside node.
const gyp = process.env.npm_config_node_gyp || join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
// Configured once; later builds are make's incremental ones (a changed jpeg_decode.c recompiles).
// Node's headers beside this node (Debian's and nodesource's packages have them) rather than a download.
const headers = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(headers, 'include', 'node', 'node_api.h')) ? headers : undefined);
const steps = existsSync(join(native, 'build', 'Makefile')) ? [['build']] : [['configure', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], ['build']];
for (const args of steps) {
  const run = spawnSync(process.execPath, [gyp, ...args, '--loglevel=error'], { cwd: native, encoding: 'utf8' });
  if (run.status !== 0) {
    const why = `${run.error?.message ?? ''}${run.stderr ?? ''}`.split('\n').find((l) => /error|not found|No such/i.test(l)) ?? `node-gyp ${args[0]} exited with ${run.status}`;
    console.warn(`@vision-flow/operators: the JPEG decoder addon was not built (${why.trim()}); JPEGs will decode with sharp (same pixels, ~2 ms more CPU per image). On Debian: apt-get install libturbojpeg0-dev, then build again.`);
    process.exit(0);
  }
}
