import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO } from './cli.js';

/** Linux's USER_HZ: /proc reports CPU times in these ticks (100 on every common build). */
const CLOCK_TICKS = 100;

/** A progress line of the peer (test/kstreams/README.md). */
export interface PeerProgress {
  readonly state: string;
  /** Input records read. */
  readonly processed: number;
  /** Kafka Streams' dropped-records-total over its tasks (records late past grace, among others). */
  readonly dropped: number;
  readonly closed?: boolean;
}

export interface PeerOptions {
  readonly brokers: string;
  readonly input: string;
  /** Kafka Streams' application.id: its group and the prefix of its internal topics. */
  readonly appId: string;
  readonly stateDir: string;
  /** `--agg` arguments (peerAggArg). */
  readonly aggs: readonly string[];
  readonly threads?: number;
  /** Kafka Streams' store kind: `memory` (the peer's default, as vision-flow's) or `rocksdb`. */
  readonly stores?: 'memory' | 'rocksdb';
  /** Kafka Streams' record cache (statestore.cache.max.bytes); the peer's default is 0 (test/kstreams/README.md). */
  readonly cacheBytes?: number;
  /** How often the peer prints its progress line (default 1000 ms): a bench's time resolution. */
  readonly progressMs?: number;
  readonly javaOpts?: readonly string[];
}

/**
 * The Kafka Streams peer (test/kstreams) as a process: built (once per source hash) by
 * scripts/kstreams-peer.sh, run with `java -jar`, its progress lines parsed, its peak memory
 * (VmHWM) sampled. `stop()` sends SIGTERM, which closes Kafka Streams cleanly (output flushed).
 */
export class KStreamsPeer {
  progress: PeerProgress = { state: 'STARTING', processed: 0, dropped: 0 };
  /** Peak resident memory seen, kB. */
  maxRssKb = 0;
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  /** Builds the peer if its sources changed; the path of its jar. Slow only the first time (Maven). */
  static jar(): string {
    const r = spawnSync('bash', [`${REPO}scripts/kstreams-peer.sh`, 'jar'], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`building the Kafka Streams peer failed (${r.status ?? r.signal}):\n${r.stderr}`);
    return r.stdout.trim();
  }

  constructor(opts: PeerOptions) {
    const args = ['--brokers', opts.brokers, '--input', opts.input, '--app-id', opts.appId, '--state-dir', opts.stateDir];
    if (opts.threads !== undefined) args.push('--threads', String(opts.threads));
    if (opts.stores !== undefined) args.push('--stores', opts.stores);
    if (opts.cacheBytes !== undefined) args.push('--cache-bytes', String(opts.cacheBytes));
    if (opts.progressMs !== undefined) args.push('--progress-ms', String(opts.progressMs));
    for (const a of opts.aggs) args.push('--agg', a);
    const java = process.env['JAVA_HOME'] ? `${process.env['JAVA_HOME']}/bin/java` : 'java';
    this.child = spawn(java, [...(opts.javaOpts ?? []), '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-jar', KStreamsPeer.jar(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith('{')) this.progress = JSON.parse(line) as PeerProgress;
      this.sampleRss();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-20_000)));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve((this.exitCode = code))));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** CPU time the JVM has used so far (user + system, all its threads, from /proc), ms; 0 once it has exited. */
  cpuMs(): number {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  }

  /** Resolves once the peer has read `records` input records; fails if it exits or `timeoutMs` passes. */
  async waitProcessed(records: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.progress.processed < records) {
      if (this.exitCode !== undefined) throw new Error(`the Kafka Streams peer exited (${this.exitCode}) after ${this.progress.processed} records:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`the Kafka Streams peer read ${this.progress.processed} of ${records} records in ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then the last progress line once it has exited (SIGKILL after `graceMs`). */
  async stop(graceMs = 40_000): Promise<PeerProgress> {
    if (this.exitCode === undefined) {
      this.sampleRss();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.progress;
  }

  private sampleRss(): void {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      if (m) this.maxRssKb = Math.max(this.maxRssKb, Number(m[1]));
    } catch {
      // exited already: the last sample stands
    }
  }
}
