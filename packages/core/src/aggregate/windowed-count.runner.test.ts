// A windowed count node on the memory transport, run by TopologyRunner: the windowed keys and
// counts it writes to its topic, the late record it dead-letters, and its change-logged store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Source, SourceReader } from '../dsl/source.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { record } from '../records/record.js';
import { deadLetterTopic } from '../runtime/dead-letter.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { avro } from '../serde/avro/schema.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { WindowStore } from '../state/window-store.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { IncomingMessage } from '../transport/transport.js';
import { tumbling } from '../windows/tumbling.js';
import { windowedBy } from './windowed-by.js';
import { windowedKey } from './windowed-key.js';

const Detection = avro.record('t.Detection', { label: avro.string() });

/** A bounded source of detections with explicit event timestamps. */
function detectionsAt(inputs: ReadonlyArray<[string, number]>): Source<string, { label: string }> {
  return {
    kind: 'detections',
    bounded: true,
    open: async (): Promise<SourceReader<string, { label: string }>> => {
      let i = 0;
      return {
        total: inputs.length,
        next: async () => {
          const input = inputs[i++];
          return input ? { record: record({ key: input[0], value: { label: 'person' }, timestamp: input[1] }) } : null;
        },
        close: async () => undefined,
      };
    },
  };
}

const transports: MemoryTransport[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function readAll(transport: MemoryTransport, name: string): Promise<IncomingMessage[]> {
  const reader = await transport.reader();
  await reader.assign([{ topic: name, partition: 0, offset: 0 }]);
  const out = await reader.poll(100, 200);
  await reader.close();
  return out;
}

describe('a windowed count node', () => {
  it.each([{ persistent: false }, { persistent: true }])('writes windowed keys and final counts to its topic and dead-letters a late record (persistent: $persistent)', async ({ persistent }) => {
    const detections = topic('wc.detections', { value: Detection, partitions: 1 });
    const counts = topic('wc.counts', { key: windowedKey(avro.string()), value: avro.long(), partitions: 1 });
    const t = topology('wc')
      .node('feed', (n) => n.source(detectionsAt([['cam-1', 10], ['cam-2', 20], ['cam-1', 400], ['cam-1', 1100], ['cam-1', 30], ['cam-2', 1200]])).to(detections))
      .node('count', (n) => n.from(detections).pipe(windowedBy(tumbling(1000).grace(50)).count({ name: 'counts', key: avro.string(), emit: 'final', persistent })).to(counts));
    const transport = new MemoryTransport();
    transports.push(transport);
    const registry = new InMemorySchemaRegistry();
    const stateDir = mkdtempSync(join(tmpdir(), 'vf-windowed-'));
    dirs.push(stateDir);
    const runner = new TopologyRunner(t, { transport, registry, stateDir, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();

    const serde = new TopicSerde(counts, registry);
    const out = await Promise.all((await readAll(transport, counts.name)).map((m) => serde.fromMessage(m)));
    // [0, 1000) closes at stream time 1050 (the record at 1100); [1000, 2000) at the end of the input.
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      [{ key: 'cam-1', start: 0, end: 1000 }, 2, 400],
      [{ key: 'cam-2', start: 0, end: 1000 }, 1, 20],
      [{ key: 'cam-1', start: 1000, end: 2000 }, 1, 1100],
      [{ key: 'cam-2', start: 1000, end: 2000 }, 1, 1200],
    ]);
    const dlq = deadLetterTopic(t.nodes.find((n) => n.name === 'count')!.deadLetterTopic);
    const dead = await Promise.all((await readAll(transport, dlq.name)).map((m) => new TopicSerde(dlq, registry).fromMessage(m)));
    // The record at 30 arrived at stream time 1200: its window [0, 1000) closed at 1050, 150 ms before.
    expect(dead.map((r) => [r.value.code, r.value.context])).toEqual([['LATE', { lateness: '150', windowEnd: '1000', streamTime: '1200', operator: 'count(counts)' }]]);
    // The dead letter names the processor stage that refused it, as it names a failed operator.
    expect(dead.map((r) => r.value.operator)).toEqual(['windowed-count(counts)']);
  });
});
