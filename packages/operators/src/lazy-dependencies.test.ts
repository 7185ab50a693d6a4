// Dependencies only some processes need load on first use, not with the package: fastify (and its
// plugins) in a process that serves uploads, jose in one that verifies tokens, protobufjs in one
// that edits a model (not one whose edits are saved). Checked in a fresh node
// process, whose module resolutions a loader hook writes down.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInFreshNode } from '../../../test/helpers/fresh-node.js';

/** Records every module URL the process resolves, in `log`. */
const HOOKS = `import { appendFileSync } from 'node:fs'; let log; export function initialize(data) { log = data; } export async function resolve(specifier, context, next) { const r = await next(specifier, context); appendFileSync(log, r.url + '\\n'); return r; }`;

describe('@vision-flow/operators loads on demand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-lazy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('importing the package loads neither fastify, jose nor protobufjs; the first token checked loads jose', async () => {
    const log = join(dir, 'resolved.txt');
    const out = JSON.parse(await runInFreshNode([
      `import { readFileSync, writeFileSync } from 'node:fs';`,
      `import { register } from 'node:module';`,
      `writeFileSync(${JSON.stringify(log)}, '');`,
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: ${JSON.stringify(log)} });`,
      `const seen = (name) => readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n').some((u) => u.includes('/node_modules/' + name + '/'));`,
      `const ops = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});`,
      `const afterImport = { fastify: seen('fastify'), jose: seen('jose'), protobufjs: seen('protobufjs') };`,
      `const verifier = ops.createTokenVerifier({ secret: 'x'.repeat(32), issuer: 'https://issuer.test/', audience: 'vision-flow' });`,
      `const refused = await verifier.verify('not.a.token').then(() => 'accepted', (e) => e.code);`,
      `console.log(JSON.stringify({ exports: Object.keys(ops).length, afterImport, refused, joseAfterVerify: seen('jose') }));`,
    ])) as { exports: number; afterImport: { fastify: boolean; jose: boolean; protobufjs: boolean }; refused: string; joseAfterVerify: boolean };
    expect(out.exports).toBeGreaterThan(10);
    expect(out.afterImport, 'loaded by importing the package').toEqual({ fastify: false, jose: false, protobufjs: false });
    expect(out.refused).toBe('TOKEN_MALFORMED');
    expect(out.joseAfterVerify, 'jose loaded once a token was checked').toBe(true);
  }, 70_000);
});
