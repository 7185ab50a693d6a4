import { changelogTopicName } from '../../dsl/describe.js';
import { topic as declareTopic, type AnyTopic } from '../../dsl/topic.js';
import type { NodeDefinition } from '../../dsl/topology.js';
import { readProblems } from '../../serde/avro/compatibility.js';
import { SchemaIncompatibleError } from '../../serde/avro/schema-incompatible-error.js';
import type { SchemaRegistry } from '../../serde/avro/schema-registry.js';
import { TopicSerde } from '../../serde/topic-serde.js';
import type { StoreBuilder } from '../../state/state-store.js';
import type { TopicSpec, TransportAdmin } from '../../transport/transport.js';
import { outputTopics } from '../../dsl/node-stream.js';
import { isTopicRouter } from '../../dsl/topic-router.js';
import { RoutedTopics } from './routed-topics.js';
import { deadLetterTopic, type DeadLetter } from '../dead-letter.js';

type AnySerde = TopicSerde<unknown, unknown>;

/** A node's serdes, once its schemas are checked and registered. */
export interface NodeSerdes {
  readonly inputs: ReadonlyMap<string, AnySerde>;
  readonly output: AnySerde | RoutedTopics | undefined;
  readonly deadLetters: TopicSerde<string | null, DeadLetter>;
  readonly changelogs: ReadonlyMap<string, AnySerde>;
}

/** The topics a node reads and writes (inputs, output, dead letters, store changelogs) and their schemas. */
export class NodeTopics {
  constructor(
    private readonly topology: string,
    private readonly def: NodeDefinition,
  ) {}

  get inputs(): AnyTopic[] {
    return this.def.plan.input.kind === 'topics' ? [...this.def.plan.input.topics] : [];
  }

  specs(): TopicSpec[] {
    const all = [...this.inputs, ...outputTopics(this.def.plan), deadLetterTopic(this.def.deadLetterTopic), ...this.loggedStores().map((s) => this.changelogTopic(s))];
    return all.map((t) => ({ name: t.name, partitions: t.partitions, compacted: t.compacted, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes }));
  }

  /** The largest producer batch every topic this node writes takes (undefined: no limit declared). */
  maxWriteBytes(): number | undefined {
    const inputs = new Set(this.inputs.map((t) => t.name));
    const routed = isTopicRouter(this.def.plan.output) ? this.def.plan.output.template.maxMessageBytes : Infinity;
    const limit = Math.min(routed, ...this.specs().filter((t) => !inputs.has(t.name)).map((t) => t.maxMessageBytes ?? Infinity));
    return Number.isFinite(limit) ? limit : undefined;
  }

  /**
   * Checks the input schemas can read what the registry holds, and registers the schemas this
   * node writes, without reading or writing any record.
   */
  async prepare(registry: SchemaRegistry, admin: TransportAdmin): Promise<NodeSerdes> {
    const inputs = new Map<string, AnySerde>();
    for (const t of this.inputs) {
      const serde = new TopicSerde(t, registry);
      for (const side of [serde.key, serde.value]) {
        const latest = (await registry.versions(side.subject)).at(-1);
        const problems = latest ? readProblems(side.json, latest.schema) : [];
        if (problems.length > 0) throw new SchemaIncompatibleError(side.subject, problems, 'reader');
      }
      inputs.set(t.name, serde);
    }
    const out = this.def.plan.output;
    const output = out === undefined ? undefined : isTopicRouter(out) ? new RoutedTopics(out, registry, admin) : new TopicSerde(out, registry);
    await (output instanceof RoutedTopics ? output.prepare() : output?.register());
    const deadLetters = new TopicSerde(deadLetterTopic(this.def.deadLetterTopic), registry);
    await deadLetters.register();
    const changelogs = new Map<string, AnySerde>();
    for (const store of this.loggedStores()) {
      const serde = new TopicSerde(this.changelogTopic(store), registry);
      await serde.register();
      changelogs.set(store.name, serde);
    }
    return { inputs, output, deadLetters, changelogs };
  }

  private loggedStores(): StoreBuilder[] {
    return this.def.stores.filter((s) => s.logged);
  }

  /** One changelog partition per task, so as many partitions as the widest input. */
  private changelogTopic(store: StoreBuilder): AnyTopic {
    const partitions = this.def.plan.input.kind === 'topics' ? Math.max(...this.def.plan.input.topics.map((t) => t.partitions)) : 1;
    return declareTopic(changelogTopicName(this.topology, this.def.name, store.name), { key: store.changelogKey, value: store.changelogValue, partitions, compacted: true, maxMessageBytes: 32 << 20, ...(store.changelogRetentionMs !== undefined ? { retention: store.changelogRetentionMs } : {}) });
  }
}
