import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import {
  ConfluentSchemaRegistry,
  KafkaTransport,
  NamespacedTransport,
  WriterSchemaDecoder,
  type IncomingMessage,
  type TransportReader,
} from '@vision-flow/core';
import { CliProcess, IMAGE_PIPELINE, type CliResult } from './cli.js';

/**
 * Helpers for end-to-end tests that run the image pipeline as one OS process per node on the real
 * broker (crash, rebalance and broker-restart tests): start, SIGKILL and restart nodes, watch
 * topics and consumer groups from the test process, and read the results back.
 */

/** The nodes of topologies/image-pipeline.ts, their input topics and group ids (namespace-relative). */
export const PIPELINE = {
  topology: 'image-pipeline',
  nodes: {
    ingest: { inputs: [] as string[], output: 'images.submitted' },
    objects: { inputs: ['images.submitted'], output: 'vision.objects' },
    faces: { inputs: ['images.submitted'], output: 'vision.faces' },
    aggregate: { inputs: ['vision.objects', 'vision.faces'], output: 'vision.analyses' },
    deliver: { inputs: ['vision.analyses'], output: undefined },
  },
  changelog: 'image-pipeline.aggregate.collect.changelog',
} as const;
export type PipelineNodeName = keyof typeof PIPELINE.nodes;
export const groupOf = (node: PipelineNodeName): string => `${PIPELINE.topology}.${node}`;

/** Deterministic PRNG (mulberry32): the random moments of a test replay from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envVar` when set (to replay a failure), else a fresh one. */
export function testSeed(envVar: string): number {
  const given = process.env[envVar];
  if (given !== undefined && given.trim() !== '') {
    const n = Number(given);
    if (!Number.isInteger(n)) throw new Error(`${envVar} must be an integer, got "${given}"`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** The ids the directory source gives `dir` submitted `repeat` times (same rules as directorySource). */
export async function expectedIds(dir: string, repeat: number): Promise<string[]> {
  const exts = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic']);
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && exts.has(extname(p).toLowerCase())) files.push(p);
    }
  };
  await walk(dir);
  const base = files.map((f) => {
    const rel = relative(dir, f).split(sep).join('/');
    return rel.slice(0, rel.length - extname(rel).length);
  });
  const ids: string[] = [];
  for (let round = 0; round < repeat; round++) ids.push(...base.map((b) => (round > 0 ? `${b}#${round + 1}` : b)));
  return ids;
}

export interface NodeProcessOptions {
  readonly brokers: string;
  readonly registry: string;
  readonly namespace: string;
  /** Extra `vision-flow run` arguments (e.g. `--set timeout=120s`, `--out file`). */
  readonly args?: readonly string[];
  /** Where to write what a process printed (appended to the test's failure message). */
  readonly log?: (line: string) => void;
}

/**
 * One node of the pipeline run as `vision-flow run topologies/image-pipeline.ts --node <name>`,
 * through any number of restarts. `instance` tells apart several instances of the same node.
 */
export class PipelineNode {
  /** Every process this node has had, oldest first. */
  readonly generations: CliProcess[] = [];
  readonly kills: Array<{ at: number; generation: number }> = [];

  constructor(
    readonly name: PipelineNodeName,
    private readonly opts: NodeProcessOptions,
    readonly instance: string = name,
  ) {}

  get args(): string[] {
    const o = this.opts;
    return ['run', IMAGE_PIPELINE, '--node', this.name, '--brokers', o.brokers, '--registry', o.registry, '--namespace', o.namespace, '--no-progress', ...(o.args ?? [])];
  }

  get current(): CliProcess | undefined {
    return this.generations.at(-1);
  }

  get running(): boolean {
    const c = this.current?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  start(): CliProcess {
    if (this.running) throw new Error(`${this.instance} is already running`);
    // Long-running: the test stops it; the CLI helper's own timeout is only a safety net.
    const p = new CliProcess(this.args, { timeoutMs: 15 * 60_000 });
    this.generations.push(p);
    // VF_E2E_LOG_DIR=<dir> keeps what every process printed, one file per process and stream.
    const logDir = process.env['VF_E2E_LOG_DIR'];
    if (logDir) {
      const base = join(logDir, this.opts.namespace, `${this.instance}.${this.generations.length}`);
      void p.exited.then((r) => {
        mkdirSync(join(logDir, this.opts.namespace), { recursive: true });
        writeFileSync(`${base}.stderr`, `exit ${r.code ?? r.signal}\n${r.stderr}`);
        writeFileSync(`${base}.stdout`, r.stdout);
      });
    }
    return p;
  }

  /** SIGKILL (no drain, no commit, no leave-group) and wait until the OS has reaped it. */
  async sigkill(): Promise<CliResult> {
    const p = this.current;
    if (!p) throw new Error(`${this.instance} was never started`);
    this.kills.push({ at: Date.now(), generation: this.generations.length });
    p.kill('SIGKILL');
    return p.exited;
  }

  /** SIGKILL, then start again at once with the same command. */
  async crashAndRestart(): Promise<CliProcess> {
    await this.sigkill();
    return this.start();
  }

  /** SIGTERM (drain, commit, leave) and wait; SIGKILL after `graceMs`. */
  async stop(graceMs = 60_000): Promise<CliResult | undefined> {
    const p = this.current;
    if (!p) return undefined;
    if (!this.running) return p.exited;
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    try {
      return await p.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The stderr of every generation, tail-clipped, for failure messages. */
  describe(maxPerGeneration = 1500): string {
    return this.generations
      .map((g, i) => `--- ${this.instance} #${i + 1} (exit ${g.child.exitCode ?? g.child.signalCode ?? 'running'}) stderr:\n${g.stderr.slice(-maxPerGeneration)}`)
      .join('\n');
  }
}

export interface TopicRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: unknown;
  readonly value: unknown;
  readonly timestamp: number;
}

/**
 * The test's own view of the cluster, under the run's namespace: topic end offsets, group
 * offsets and lag, and records decoded through the registry (as `vision-flow tail` does).
 */
export class ClusterView {
  private readonly decoder: WriterSchemaDecoder;

  private constructor(
    readonly transport: KafkaTransport,
    readonly ns: NamespacedTransport,
    registry: ConfluentSchemaRegistry,
  ) {
    this.decoder = new WriterSchemaDecoder(registry);
  }

  static async connect(brokers: string, registryUrl: string, namespace: string): Promise<ClusterView> {
    const registry = await ConfluentSchemaRegistry.connect({ url: registryUrl });
    const transport = await KafkaTransport.connect({ brokers, clientId: `vf-e2e-${namespace}` });
    return new ClusterView(transport, new NamespacedTransport(transport, namespace), registry);
  }

  async exists(topic: string): Promise<boolean> {
    return (await this.ns.admin().describeTopic(topic)) !== undefined;
  }

  /** Records ever written to the topic (sum of its partitions' end offsets); 0 if it does not exist yet. */
  async written(topic: string): Promise<number> {
    if (!(await this.exists(topic))) return 0;
    return (await this.ns.admin().endOffsets(topic)).reduce((n, o) => n + o.offset, 0);
  }

  /** Records of `topic` the group (namespace-relative name) has not committed past (never-committed partitions count from 0). */
  async lag(group: string, topic: string): Promise<number> {
    if (!(await this.exists(topic))) return 0;
    const [ends, committed] = await Promise.all([this.ns.admin().endOffsets(topic), this.committed(group, topic)]);
    return ends.reduce((n, e) => n + e.offset - (committed.get(e.partition) ?? 0), 0);
  }

  /** The group's committed offset (namespace-relative name) for each partition of the topic it has committed on. */
  async committed(group: string, topic: string): Promise<Map<number, number>> {
    return new Map((await this.ns.admin().committedOffsets(group, topic)).map((c) => [c.partition, c.offset]));
  }

  /** Lag of every consumer node of the pipeline, by node. */
  async pipelineLag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [node, def] of Object.entries(PIPELINE.nodes)) {
      if (def.inputs.length === 0) continue;
      let lag = 0;
      for (const t of def.inputs) lag += await this.lag(groupOf(node as PipelineNodeName), t);
      out[node] = lag;
    }
    return out;
  }

  /** Every record of the topic up to its current end, keys and values decoded. */
  async readAll(topic: string): Promise<TopicRecord[]> {
    const follower = await this.follow(topic);
    try {
      await follower.catchUp();
      return follower.records;
    } finally {
      await follower.close();
    }
  }

  /** A reader that keeps reading the topic from the beginning; `catchUp()` reads up to the current end. */
  async follow(topic: string): Promise<TopicFollower> {
    const partitions = (await this.ns.admin().endOffsets(topic)).map((e) => e.partition);
    const open = async (from: ReadonlyMap<number, number>): Promise<TransportReader> => {
      const reader = await this.ns.reader!({ clientId: `vf-e2e-follow` });
      await reader.assign(partitions.map((partition) => ({ topic, partition, offset: from.get(partition) ?? 0 })));
      return reader;
    };
    return new TopicFollower(topic, await open(new Map()), open, this, (m) => this.decodeMessage(m));
  }

  private async decodeMessage(m: IncomingMessage): Promise<TopicRecord> {
    return {
      partition: m.partition,
      offset: m.offset,
      key: m.key === null ? null : await this.decoder.decode(m.key),
      value: m.value === null ? null : await this.decoder.decode(m.value),
      timestamp: m.timestamp,
    };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** A reader that returns nothing this long while behind is replaced by a new one (and the stall reported). */
const STALL_MS = 20_000;

export class TopicFollower {
  readonly records: TopicRecord[] = [];
  private readonly position = new Map<number, number>();

  constructor(
    readonly topic: string,
    private reader: TransportReader,
    private readonly reopen: (from: ReadonlyMap<number, number>) => Promise<TransportReader>,
    private readonly view: ClusterView,
    private readonly decode: (m: IncomingMessage) => Promise<TopicRecord>,
  ) {}

  /** Reads whatever is there now, up to the end offsets at the time of the call (or until `timeoutMs`). */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const ends = await this.view.ns.admin().endOffsets(this.topic);
    const deadline = Date.now() + timeoutMs;
    const behind = () => ends.some((e) => (this.position.get(e.partition) ?? 0) < e.offset);
    const where = () => ends.map((e) => `p${e.partition} ${this.position.get(e.partition) ?? 0}/${e.offset}`).join(', ');
    let lastProgress = Date.now();
    while (behind()) {
      if (Date.now() > deadline) throw new Error(`reading ${this.topic} did not reach its end offsets within ${timeoutMs} ms (read/end: ${where()})`);
      if (Date.now() - lastProgress > STALL_MS) {
        // Say where each partition stands (CI once showed a partition whose records retention had deleted), and read on with a new client.
        console.warn(`[topic-follower] ${this.topic}: nothing read for ${STALL_MS} ms while behind (read/end: ${where()}); reopening the reader`);
        await this.reader.close();
        this.reader = await this.reopen(this.position);
        lastProgress = Date.now();
      }
      for (const m of await this.reader.poll(500, 250)) {
        if (m.offset < (this.position.get(m.partition) ?? 0)) continue; // re-delivered after a reconnect
        this.records.push(await this.decode(m));
        this.position.set(m.partition, m.offset + 1);
        lastProgress = Date.now();
      }
    }
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** A result of the output topic, as the image pipeline's ImageAnalysis value. */
export interface Analysis {
  readonly id: string;
  readonly complete: boolean;
  readonly missing: readonly string[];
  readonly reason: string;
  readonly objects: readonly unknown[];
  readonly faces: readonly unknown[];
}

export interface ResultCheck {
  readonly total: number;
  readonly distinct: number;
  /** Records beyond the first per key: duplicates delivered before dedup by key. */
  readonly duplicates: number;
  readonly missing: string[];
  readonly unexpected: string[];
  /** Ids whose key and value id disagree. */
  readonly mismatched: string[];
  /** Keys with more than one record, and how many. */
  readonly duplicatedKeys: Map<string, number>;
  /** Ids whose final (last) record is a partial result. */
  readonly finalPartial: string[];
  /** Ids with a complete record followed by a partial one (a degraded duplicate). */
  readonly degraded: string[];
  readonly byReason: Record<string, number>;
}

/** Dedup by key (the last record of a key wins, as compaction would keep it) and compare with the ids submitted. */
export function checkResults(records: readonly TopicRecord[], expected: readonly string[]): ResultCheck {
  const byKey = new Map<string, TopicRecord[]>();
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const k = String(r.key);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const want = new Set(expected);
  const duplicatedKeys = new Map([...byKey].filter(([, l]) => l.length > 1).map(([k, l]) => [k, l.length] as [string, number]));
  const byReason: Record<string, number> = {};
  const finalPartial: string[] = [];
  const degraded: string[] = [];
  const mismatched: string[] = [];
  for (const [k, list] of byKey) {
    const last = list.at(-1)!.value as Analysis;
    byReason[last.reason] = (byReason[last.reason] ?? 0) + 1;
    if (!last.complete) finalPartial.push(k);
    const firstComplete = list.findIndex((r) => (r.value as Analysis).complete);
    if (firstComplete >= 0 && list.slice(firstComplete).some((r) => !(r.value as Analysis).complete)) degraded.push(k);
    if (list.some((r) => (r.value as Analysis).id !== k)) mismatched.push(k);
  }
  return {
    total: records.length,
    distinct: byKey.size,
    duplicates: records.length - byKey.size,
    missing: expected.filter((id) => !byKey.has(id)),
    unexpected: [...byKey.keys()].filter((k) => !want.has(k)),
    mismatched,
    duplicatedKeys,
    finalPartial,
    degraded,
    byReason,
  };
}

/** Keys of the aggregate's store whose latest changelog entry is not yet emitted (a result still to come). */
export function pendingJoinKeys(changelog: readonly TopicRecord[]): string[] {
  const latest = new Map<string, unknown>();
  for (const r of [...changelog].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) latest.set(String(r.key), r.value);
  return [...latest].filter(([, v]) => v !== null && !(v as { emitted: boolean }).emitted).map(([k]) => k);
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it held. */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
