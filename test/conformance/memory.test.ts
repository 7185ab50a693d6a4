import { MemoryTransport } from '@vision-flow/core';
import { MemoryBroker } from '@vision-flow/core/testing';
import { describeTransportConformance } from './transport.conformance.js';

// One broker for the whole file: each test's transports share it, as separate processes share a
// cluster, and the random topic and group names keep tests apart.
const broker = new MemoryBroker();

describeTransportConformance('memory', async () => new MemoryTransport({ broker }));
