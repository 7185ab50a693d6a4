// Runs a script in a fresh node process and returns what it printed: for what only a new process
// shows (which modules it loaded, whether it exits or survives on its own).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export interface FreshNodeOptions {
  /**
   * `source` (default): TypeScript through tsx, workspace packages from their src/ (the "source"
   * export condition), as the tests see them. `built`: plain node over compiled JavaScript, as a
   * deployed node process runs.
   */
  readonly from?: 'source' | 'built';
  readonly timeoutMs?: number;
}

/** The script's lines, run as an ES module; rejects with its stderr when it fails or times out. */
export async function runInFreshNode(lines: readonly string[], opts: FreshNodeOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vf-fresh-node-'));
  try {
    const source = (opts.from ?? 'source') === 'source';
    const script = join(dir, source ? 'main.mts' : 'main.mjs');
    await writeFile(script, lines.join('\n'));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const args = source ? ['--conditions=source', '--import', tsx, script] : [script];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: opts.timeoutMs ?? 60_000 });
    return stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
