import type { TopicDescription, TopicPartitionOffset, TopicSpec, TransportAdmin } from '../transport.js';
import type { MemoryBroker } from './memory-broker.js';

/** Topic and offset administration on the memory broker. Every call resolves on a later turn. */
export class MemoryAdmin implements TransportAdmin {
  constructor(
    private readonly broker: MemoryBroker,
    private readonly assertOpen: () => void = () => undefined,
  ) {}

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.assertOpen();
    this.broker.createTopics(specs);
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    this.assertOpen();
    this.broker.deleteTopics(names);
  }

  async listTopics(): Promise<string[]> {
    this.assertOpen();
    return this.broker.listTopics();
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    this.assertOpen();
    return this.broker.describeTopic(name);
  }

  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    return this.broker.endOffsets(topic);
  }

  async beginningOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    return this.broker.beginningOffsets(topic);
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    return this.broker.committedOffsets(groupId, topic);
  }
}
