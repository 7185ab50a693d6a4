// Runs the Kafka Streams pass-through peer (bench/kstreams-passthrough/, built by its peer.sh) over
// an input topic and times it the way bench/passthrough-node.ts times the node: from launch (JVM
// start included) and from its first output record, until the output topic holds every record;
// with the JVM's CPU seconds up to then.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpu, type PassthroughResult } from './raw-passthrough.js';

export interface KStreamsPassthroughOptions {
  readonly brokers: string;
  /** Outer (namespaced) names, as the broker knows them. */
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly messages: number;
  /** Stream threads (default 2, one per core here). */
  readonly threads?: number;
  /** Records in the output topic so far (the sum of its partitions' end offsets). */
  readonly written: () => Promise<number>;
}

export interface TimedRun {
  /** From launch to the last record written. */
  readonly fromLaunch: PassthroughResult;
  /** From the first output record seen to the last (start-up, group join and first fetch left out). */
  readonly fromFirstOutput: PassthroughResult;
}

const peerScript = fileURLToPath(new URL('./kstreams-passthrough/peer.sh', import.meta.url));

/** Builds the peer's jar when its sources changed (cached outside the repo); returns its path. */
export function buildKStreamsPeer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [peerScript, 'jar'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${peerScript} jar failed (exit ${code}); is Maven installed? scripts/setup.sh installs it`))));
  });
}

/** How far a run is: records written to its output, and records done (written, and committed when it commits). */
export interface Progress { readonly written: number; readonly done: number }

/**
 * Polls `progress` until `done` reaches `messages`, noting when the first output appeared; the
 * caller launches the run at `launched`. Throws when `failed()` says the run died.
 */
export async function timeUntilDone(label: string, messages: number, progress: () => Promise<Progress>, failed: () => string | undefined, launched = performance.now()): Promise<TimedRun> {
  let first = 0;
  let lastLog = launched;
  for (;;) {
    const { written, done } = await progress();
    const now = performance.now();
    if (written > 0 && first === 0) first = now;
    if (done >= messages) {
      const fromLaunch = (now - launched) / 1000;
      const fromFirst = (now - first) / 1000;
      return {
        fromLaunch: { api: `${label}, from launch`, messages, seconds: fromLaunch, messagesPerSecond: messages / fromLaunch },
        fromFirstOutput: { api: `${label}, from first output`, messages, seconds: fromFirst, messagesPerSecond: messages / fromFirst },
      };
    }
    const why = failed();
    if (why) throw new Error(`${label} failed: ${why}`);
    if (now - lastLog > 5000) {
      lastLog = now;
      console.log(`  ${label}: ${written.toLocaleString('en')} written, ${done.toLocaleString('en')} done`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Launches the peer with a fresh application id, times it, then stops it with SIGTERM. */
export async function kstreamsPassthrough(opts: KStreamsPassthroughOptions): Promise<TimedRun> {
  const jar = await buildKStreamsPeer();
  const stateDir = mkdtempSync(join(tmpdir(), 'vf-kstreams-'));
  const threads = opts.threads ?? 2;
  // StreamsConfig warns about an option Kafka Streams 5 turns on; not ours to judge here.
  const args = ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.StreamsConfig=error', '-jar', jar, '--brokers', opts.brokers, '--input', opts.inputTopic, '--output', opts.outputTopic,
    '--app-id', `bench-kstreams-${randomUUID().slice(0, 8)}`, '--state-dir', stateDir, '--threads', String(threads)];
  const launched = performance.now();
  const java = spawn(process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => java.on('exit', (code, signal) => {
    exit = `exited (${signal ?? code})`;
    resolve();
  }));
  try {
    // Kafka Streams commits every 30 s under at-least-once: a record counts once it is written.
    const progress = async () => {
      const written = await opts.written();
      return { written, done: written };
    };
    const timed = await timeUntilDone(`Kafka Streams, ${threads} threads (bytes → bytes)`, opts.messages, progress, () => exit, launched);
    // The JVM's CPU from launch to its last record (start-up and JIT included, as the replicas' is theirs).
    const cpuSeconds = java.pid === undefined ? undefined : processCpu(java.pid);
    return cpuSeconds === undefined ? timed : { fromLaunch: { ...timed.fromLaunch, cpuSeconds }, fromFirstOutput: { ...timed.fromFirstOutput, cpuSeconds } };
  } finally {
    java.kill('SIGTERM');
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
  }
}
