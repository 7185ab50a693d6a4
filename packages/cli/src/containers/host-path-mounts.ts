import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface HostPathMounts {
  /** The arguments with each host path made absolute. */
  readonly args: string[];
  /** `-v` values: each path's folder mounted at the same place in the container. */
  readonly mounts: string[];
}

/**
 * Makes the host paths in a node's arguments work in its container as they do for a process:
 * a value (`--images ../shared/images`, `--set out=./results.jsonl`) that names an existing file
 * or folder, or a new file (written with a "/") in an existing folder, is made absolute (from `cwd`) and mounted at that
 * same path. Values that are not paths (numbers, names, URLs) pass unchanged, and so does
 * `--state-dir`.
 */
export function hostPathMounts(args: readonly string[], cwd: string): HostPathMounts {
  const mounts = new Set<string>();
  const mapPath = (value: string): string => {
    if (value === '' || value === '-' || value.startsWith('-') || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
    const abs = resolve(cwd, value); // absolute, without a trailing /
    if (existsSync(abs)) {
      mounts.add(statSync(abs).isDirectory() ? abs : dirname(abs));
      return abs;
    }
    // A new file counts only when written as a path (a bare word is more likely a name).
    if ((value.includes('/') || value.startsWith('.')) && existsSync(dirname(abs))) {
      mounts.add(dirname(abs));
      return abs;
    }
    return value;
  };
  const out = args.map((a, i) => {
    if (args[i - 1] === '--set') {
      const eq = a.indexOf('=');
      return eq < 0 ? a : `${a.slice(0, eq + 1)}${mapPath(a.slice(eq + 1))}`;
    }
    // Persistent stores stay in the container's own folder (a volume at /data), not the host's.
    return i > 0 && args[i - 1]!.startsWith('--') && args[i - 1] !== '--state-dir' ? mapPath(a) : a;
  });
  // A folder inside another mounted one needs no mount of its own.
  const sorted = [...mounts].sort();
  const outer = sorted.filter((m) => !sorted.some((o) => o !== m && m.startsWith(`${o}/`)));
  return { args: out, mounts: outer.map((m) => `${m}:${m}`) };
}
