// Sends one command to devices.commands, as a client of the registry would:
//
//   npx tsx examples/device-registry/send-command.ts cam-1 register "Front door"
//
// Brokers, registry and namespace from VF_BROKERS, VF_REGISTRY and VF_NAMESPACE, as `vision-flow
// run` takes them. Run the topology first: it creates the topics.
import { randomUUID } from 'node:crypto';
import { ConfluentSchemaRegistry, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, StreamRecord, TopicSerde, type SchemaRegistry, type Transport } from '@vision-flow/core';
import type { DeviceCommand } from './schemas.js';
import { commands } from './topology.js';

const TYPES = ['register', 'rename', 'decommission'] as const;
const [device, type, name] = process.argv.slice(2);
if (!device || !TYPES.includes(type as DeviceCommand['type'])) {
  process.stderr.write(`usage: send-command.ts <device id> <${TYPES.join('|')}> [name]\n`);
  process.exit(2);
}

const kafka = await KafkaTransport.connect({ brokers: process.env['VF_BROKERS'] ?? '127.0.0.1:9092', clientId: 'device-registry-client' });
const confluent = await ConfluentSchemaRegistry.connect({ url: process.env['VF_REGISTRY'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
const ns = process.env['VF_NAMESPACE'];
const transport: Transport = ns ? new NamespacedTransport(kafka, ns) : kafka;
const registry: SchemaRegistry = ns ? new NamespacedSchemaRegistry(confluent, ns) : confluent;
const serde = new TopicSerde(commands, registry);
await serde.register();
const producer = await transport.producer({ clientId: 'device-registry-client' });
try {
  const value: DeviceCommand = { commandId: randomUUID(), type: type as DeviceCommand['type'], name: name ?? null };
  await producer.send(serde.toMessage(new StreamRecord({ key: device, value, timestamp: Date.now() })));
  process.stdout.write(`${value.commandId}: ${type} ${device}${name ? ` "${name}"` : ''}\n`);
} finally {
  await producer.close();
  await kafka.close();
}
