// ProcessorContext's `durable` resolves once what the node's producer took is acknowledged: on Kafka a
// node's producer answers when it takes a write and learns of acknowledgements at checkpoints
// (TransportProducer's `durable`). collectByKey writes "sent" to its change-logged store after
// `forward`, then `durable`; after `forward` alone (taken), the marker could reach the changelog
// before the result reached its topic, and a SIGKILL between the two acknowledgements lost the
// result for good (the restored marker drops the parts read again).
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { stateful } from '../processor/stateful.js';
import type { ProcessorContext } from '../processor/processor.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { MemoryProducer } from '../transport/memory/memory-producer.js';
import type { ProducerOptions, Transport } from '../transport/transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** The memory transport, except that group `gated`'s producer says its writes are durable only once `release()` is called. */
class GatedTransport extends MemoryTransport {
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  asked = 0;

  constructor(private readonly gated: string) {
    super();
  }

  release(): void {
    this.open();
  }

  override async producer(opts?: ProducerOptions): Promise<MemoryProducer> {
    const p = await super.producer(opts);
    if (opts?.clientId !== this.gated) return p;
    return Object.assign(p, {
      durable: () => {
        this.asked++;
        return this.gate;
      },
    });
  }
}

/** A node whose processor forwards each record and notes when it is durable (`forward`, then `durable`). */
function marking(name: string) {
  const input = topic(`${name}.in`, { value: Item, partitions: 2 });
  const output = topic(`${name}.out`, { value: Item, partitions: 2 });
  const written: string[] = [];
  const marked: string[] = [];
  const supplier = {
    name: 'mark',
    stores: [],
    get: () => {
      let ctx!: ProcessorContext<Rec<string, Item>>;
      return {
        init: (c: ProcessorContext<Rec<string, Item>>) => void (ctx = c),
        process: (r: Rec<string, Item>) => void ctx.forward(r).then(ctx.durable).then(() => marked.push(r.value.id)),
        close: () => undefined,
      };
    },
  };
  const t = topology(name)
    .node('feed', (n) => n.source(items(20)).to(input))
    .node('mark', (n) => n.from(input).pipe(stateful(supplier)).to(output))
    .node('read', (n) => n.from(output).pipe(stateful({ name: 'read', stores: [], get: () => ({ init: () => undefined, process: (r: Rec<string, Item>) => void written.push(r.value.id), close: () => undefined }) })));
  return { t, written, marked };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("a processor's forward, then durable", () => {
  it('resolves once the producer says the output is acknowledged, not when it took it', async () => {
    const { t, written, marked } = marking('gated');
    const transport = new GatedTransport('gated.mark');
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 10, node: { pollTimeoutMs: 10, commitIntervalMs: 20 } });
    await runner.start();
    for (let i = 0; i < 100 && written.length < 20; i++) await settle();
    expect(written, 'every output reached its topic').toHaveLength(20);
    await settle();
    expect(marked, 'no output is known durable yet').toEqual([]);
    expect(transport.asked).toBeGreaterThan(0);
    transport.release();
    await settle();
    expect(marked.sort()).toEqual([...written].sort());
    await runner.stop('done');
  });

  it('resolves once taken where a write taken is durable (the memory transport)', async () => {
    const { t, written, marked } = marking('plain');
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 10, node: { pollTimeoutMs: 10 } });
    await runner.start();
    await runner.runUntilDrained();
    expect(written).toHaveLength(20);
    expect(marked.sort()).toEqual([...written].sort());
  });
});
