// The Kafka command-line tools and scripts/stack.sh, run from tests: consumer-group descriptions as
// the broker's own tool reports them, independent of our client.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './cli.js';

/** Runs `bash scripts/stack.sh <args>` with this process's environment (VF_STACK_DIR, ports…). */
export function stackScript(args: readonly string[], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(REPO, 'scripts', 'stack.sh'), ...args], { cwd: REPO, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface GroupPartitionRow {
  readonly topic: string;
  readonly partition: number;
  readonly current: number | null;
  readonly end: number;
  readonly lag: number | null;
  readonly consumerId: string | null;
}

/** `kafka-consumer-groups --describe --group <group>` through scripts/stack.sh kafka-tool, parsed. */
export async function describeGroupWithKafkaTool(brokers: string, group: string): Promise<{ rows: GroupPartitionRow[]; raw: string }> {
  const r = await stackScript(['kafka-tool', 'consumer-groups', '--bootstrap-server', brokers, '--describe', '--group', group], 120_000);
  if (r.code !== 0) throw new Error(`kafka-consumer-groups --describe --group ${group} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  const rows: GroupPartitionRow[] = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== group) continue;
    const num = (s: string | undefined) => (s === undefined || s === '-' ? null : Number(s));
    rows.push({ topic: f[1]!, partition: Number(f[2]), current: num(f[3]), end: Number(f[4]), lag: num(f[5]), consumerId: f[6] === undefined || f[6] === '-' ? null : f[6] });
  }
  return { rows, raw: r.stdout };
}

/** `kafka-consumer-groups --describe --members --group <group>`: member client ids and how many partitions each has. */
export async function groupMembersWithKafkaTool(brokers: string, group: string): Promise<Array<{ clientId: string; host: string; partitions: number }>> {
  const r = await stackScript(['kafka-tool', 'consumer-groups', '--bootstrap-server', brokers, '--describe', '--members', '--group', group], 120_000);
  if (r.code !== 0) throw new Error(`kafka-consumer-groups --describe --members failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  const out: Array<{ clientId: string; host: string; partitions: number }> = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== group || f.length < 5) continue;
    // GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS
    out.push({ clientId: f[3]!, host: f[2]!, partitions: Number(f[4]) });
  }
  return out;
}
