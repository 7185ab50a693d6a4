import {
  ConfigError, ConfluentSchemaRegistry, InMemorySchemaRegistry, KafkaTransport, MemoryTransport, NamespacedSchemaRegistry, NamespacedTransport,
  type SchemaRegistry, type Transport,
} from '@vision-flow/core';
import type { VisionFlowConfig } from './config/resolve-config.js';

export interface Connection {
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  close(): Promise<void>;
}

/**
 * Opens the transport and schema registry the configuration names: the embedded pair, or Kafka
 * with a Confluent-compatible registry. Either fails within seconds naming the address it tried.
 */
export async function connect(config: VisionFlowConfig, kafka: { replicationFactor?: number | undefined } = {}): Promise<Connection> {
  const c = await connectUnprefixed(config, kafka.replicationFactor);
  if (config.namespace === undefined) return c;
  return { transport: new NamespacedTransport(c.transport, config.namespace), registry: new NamespacedSchemaRegistry(c.registry, config.namespace), close: c.close };
}

async function connectUnprefixed(config: VisionFlowConfig, replicationFactor: number | undefined): Promise<Connection> {
  if (config.transport === 'memory') {
    // Nothing outside this process can read its topics: hold only what a node has still to read.
    const transport = new MemoryTransport({ dropCommitted: true });
    return { transport, registry: new InMemorySchemaRegistry(), close: () => transport.close() };
  }
  if (!config.brokers) throw new ConfigError('the kafka transport needs brokers: pass --brokers host:port or set VF_BROKERS');
  if (!config.registry) {
    throw new ConfigError('the kafka transport needs a schema registry for its Avro values: pass --registry <url> (e.g. http://127.0.0.1:8081/apis/ccompat/v7) or set VF_REGISTRY');
  }
  const registry = await ConfluentSchemaRegistry.connect({ url: config.registry });
  const transport = await KafkaTransport.connect({ brokers: config.brokers, sessionTimeoutMs: config.sessionTimeoutMs, instanceId: config.instanceId, ...(replicationFactor === undefined ? {} : { replicationFactor }) });
  return { transport, registry, close: () => transport.close() };
}
