// Runs a command as a user would and measures it from outside: wall time, CPU seconds and max RSS
// from GNU time (-v; its max RSS is the largest single process of the tree), and on request the
// peaks of the summed RSS and PSS of the whole process tree, sampled from /proc (a pool of worker
// processes counts as a whole; PSS counts a page that forked processes share once, where summed RSS
// counts it in each). The sampling slows what it measures (reading smaps_rollup walks a process's
// page tables under its memory map's lock; 400 images: -13 % images/s for the Python peer, -20 % for
// vision-flow), so a run is timed or sampled, not both.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

export interface ProcessRun {
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  /** GNU time's figure: the largest resident set of any one process in the tree. */
  readonly maxRssMb: number;
  /** With `sampleTree`: peaks of the tree's summed resident sets and proportional set sizes (/proc/<pid>/smaps_rollup), sampled every 100 ms. */
  readonly tree?: { readonly rssMb: number; readonly pssMb: number };
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Write stdout to this file instead of keeping it. */
  readonly stdoutFile?: string;
  /** Sample the process tree's memory (and slow it down: time such a run for nothing else). */
  readonly sampleTree?: boolean;
}

export async function measureProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcessRun> {
  const child = spawn('/usr/bin/time', ['-v', cmd, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // The file is complete only once its stream has finished, which can be after the child's 'close'.
  const written = opts.stdoutFile ? finished(child.stdout.pipe(createWriteStream(opts.stdoutFile))) : Promise.resolve();
  if (!opts.stdoutFile) child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let treePeak = 0;
  let pssPeak = 0;
  const sampler = opts.sampleTree && setInterval(() => {
    void treeMemory(child.pid!).then((m) => {
      treePeak = Math.max(treePeak, m.rss);
      pssPeak = Math.max(pssPeak, m.pss);
    }, () => undefined);
  }, 100);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  if (sampler) clearInterval(sampler);
  await written;
  const field = (name: string): string => {
    const m = new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(stderr);
    if (!m) throw new Error(`GNU time printed no "${name}" for ${cmd} ${args.join(' ')}:\n${stderr.slice(-2000)}`);
    return m[1]!;
  };
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').map(Number).reduce((s, v) => s * 60 + v, 0);
  return {
    exitCode,
    wallSeconds: wall,
    cpuSeconds: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    maxRssMb: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
    tree: opts.sampleTree ? { rssMb: treePeak / 2 ** 20, pssMb: pssPeak / 2 ** 20 } : undefined,
    stdout,
    stderr,
  };
}

/** Summed RSS and PSS (bytes) of `root` and every descendant, from /proc/<pid>/stat and smaps_rollup. */
async function treeMemory(root: number): Promise<{ rss: number; pss: number }> {
  const procs: Array<{ pid: number; ppid: number; rss: number }> = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(name), ppid: Number(f[1]), rss: Number(f[21]) * 4096 });
    } catch {
      // the process ended meanwhile
    }
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (!inTree.has(p.pid) && inTree.has(p.ppid)) grew = inTree.add(p.pid) !== undefined;
  }
  const members = procs.filter((p) => inTree.has(p.pid));
  let pss = 0;
  for (const p of members) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(await readFile(`/proc/${p.pid}/smaps_rollup`, 'utf8'));
      pss += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return { rss: members.reduce((s, p) => s + p.rss, 0), pss };
}
