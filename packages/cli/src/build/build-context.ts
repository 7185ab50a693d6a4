import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@vision-flow/core';
import { dockerfile, ENTRYPOINT_SCRIPT, TRIM_SCRIPT } from './dockerfile.js';

const run = promisify(execFile);

export interface BuildContextInput {
  /** The topology module, as given on the command line. */
  readonly topologyFile: string;
  readonly topologyName: string;
  /** Empty folder to write the context into. */
  readonly dir: string;
  readonly defaultBase: string;
}

export interface BuildContext {
  /** The npm project the topology belongs to (nearest folder up with a package-lock.json). */
  readonly projectRoot: string;
  /** The topology module's path inside the image. */
  readonly topologyInImage: string;
  readonly dockerfile: string;
  /** How many project files went into the image. */
  readonly files: number;
}

// Never part of an image: installed or built output, version control, local state.
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'out']);

/**
 * Writes the build context of a topology's image into `dir`: the Dockerfile, `manifests/` (the
 * project's package.json files and lock, which decide `npm ci`), `app/` (the project's files, the
 * ones git would commit when it is a git work tree) and the entrypoint. Building from a folder of
 * its own keeps node_modules and local data out of what the engine uploads.
 */
export async function writeBuildContext(input: BuildContextInput): Promise<BuildContext> {
  const topologyPath = resolve(input.topologyFile);
  const projectRoot = await findProjectRoot(dirname(topologyPath), input.topologyFile);
  const topologyInImage = `/app/${relative(projectRoot, topologyPath).split(sep).join('/')}`;
  const files = await projectFiles(projectRoot);
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as PackageJson;
  const manifests = ['package.json', 'package-lock.json', ...(files.includes('.npmrc') ? ['.npmrc'] : [])];
  for (const ws of await workspaceDirs(projectRoot, pkg)) {
    const wsPkgFile = join(ws, 'package.json');
    const wsPkg = JSON.parse(await readFile(join(projectRoot, wsPkgFile), 'utf8')) as PackageJson;
    // npm ci links workspace bins, so their targets must exist before the sources are copied.
    const bins = typeof wsPkg.bin === 'string' ? [wsPkg.bin] : Object.values(wsPkg.bin ?? {});
    manifests.push(wsPkgFile, ...bins.map((b) => join(ws, b)));
  }
  for (const f of manifests) await copyInto(projectRoot, f, join(input.dir, 'manifests'));
  for (const f of files) await copyInto(projectRoot, f, join(input.dir, 'app'));
  await writeFile(join(input.dir, 'app', '.vf-trim.sh'), TRIM_SCRIPT);
  await writeFile(join(input.dir, 'vf-entrypoint.sh'), ENTRYPOINT_SCRIPT);
  await chmod(join(input.dir, 'vf-entrypoint.sh'), 0o755);
  const text = dockerfile({ topology: input.topologyName, topologyInImage, defaultBase: input.defaultBase });
  await writeFile(join(input.dir, 'Dockerfile'), text);
  return { projectRoot, topologyInImage, dockerfile: text, files: files.length };
}

interface PackageJson {
  workspaces?: string[] | { packages?: string[] };
  bin?: string | { [name: string]: string };
}

async function findProjectRoot(from: string, file: string): Promise<string> {
  for (let dir = from; ; dir = dirname(dir)) {
    if (await exists(join(dir, 'package-lock.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new ConfigError(
        `vision-flow build: ${file} is not inside an npm project with a package-lock.json; the image installs exactly the locked dependencies, so run \`npm install\` in the project folder first`,
        { file },
      );
    }
  }
}

/** The files of the project: git's view (tracked plus untracked, not ignored) or, outside git, a walk. */
async function projectFiles(root: string): Promise<string[]> {
  let listed: string[] | undefined;
  try {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.'], { cwd: root, maxBuffer: 64 << 20 });
    listed = stdout.split('\0').filter((f) => f !== '');
  } catch {
    listed = undefined; // not a git work tree, or no git
  }
  const candidates = listed ?? (await walk(root, ''));
  const kept: string[] = [];
  for (const f of candidates) {
    if (f.split('/').some((part) => SKIPPED_DIRS.has(part))) continue;
    const s = await stat(join(root, f)).catch(() => undefined); // listed but deleted in the work tree
    if (s?.isFile()) kept.push(f);
  }
  return kept.sort();
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) out.push(...(await walk(root, path)));
    } else if (e.isFile()) out.push(path);
  }
  return out;
}

/** Workspace folders from package.json's "workspaces": literal paths and `folder/*` patterns. */
async function workspaceDirs(root: string, pkg: PackageJson): Promise<string[]> {
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const dirs: string[] = [];
  for (const p of patterns) {
    const m = /^(.*)\/\*$/.exec(p);
    const found = m ? (await readdir(join(root, m[1]!), { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => `${m[1]}/${e.name}`) : [p];
    for (const d of found) if (await exists(join(root, d, 'package.json'))) dirs.push(d);
  }
  return dirs.sort();
}

async function copyInto(root: string, file: string, to: string): Promise<void> {
  await mkdir(dirname(join(to, file)), { recursive: true });
  await copyFile(join(root, file), join(to, file));
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
