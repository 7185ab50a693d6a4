import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '@vision-flow/cli';
import { REPO } from '../helpers/cli.js';

/** The topologies the deploy tests generate for, relative to the repository root. */
export const TOPOLOGIES = {
  pipeline: 'topologies/image-pipeline.ts',
  analytics: 'topologies/image-analytics.ts',
  persistent: 'test/fixtures/persistent-store/totals-topology.ts',
  http: 'test/fixtures/deploy/http-ingest-topology.ts',
} as const;

export interface Generated {
  readonly dir: string;
  /** File name → its text, as written. */
  readonly files: ReadonlyMap<string, string>;
}

/** Runs `vision-flow deploy <topology> --target <target> --out <tmp> ...extra` as a user would (from the repository root) and reads what it wrote. */
export async function generate(topology: string, target: 'compose' | 'k8s', extra: readonly string[] = []): Promise<Generated> {
  const dir = await mkdtemp(join(tmpdir(), `vf-deploy-${target}-`));
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    await buildProgram().exitOverride().configureOutput({ writeErr: () => undefined }).parseAsync(['node', 'vision-flow', 'deploy', topology, '--target', target, '--out', dir, ...extra]);
  } finally {
    process.chdir(cwd);
  }
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name), 'utf8'));
  return { dir, files };
}

/** Every YAML document of a generated file, parsed (a YAML error fails the test). */
export function documents(text: string): Array<{ [k: string]: unknown }> {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`not valid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as { [k: string]: unknown };
  });
}
