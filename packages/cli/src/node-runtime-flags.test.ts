// The flags live in one constant, but shebang lines and shell scripts cannot import it: they must say the same.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENTRYPOINT_SCRIPT } from './build/dockerfile.js';
import { NODE_RUNTIME_FLAGS } from './node-runtime-flags.js';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

describe('NODE_RUNTIME_FLAGS', () => {
  it('are on every command line that starts node processes for topology nodes', () => {
    const flags = NODE_RUNTIME_FLAGS.join(' ');
    for (const file of ['../bin/vision-flow.cjs', './bin.ts']) expect(read(file).split('\n')[0], file).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(read('../../../scripts/demo.sh')).toContain(`exec node ${flags} packages/cli/dist/bin.js run`);
    expect(ENTRYPOINT_SCRIPT).toContain(`exec node ${flags} /app/`);
  });
});
