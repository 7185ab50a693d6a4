// The pass-through topology of bench/passthrough-node.ts, shared with its replica processes
// (bench/passthrough-replica.ts) so every process runs the same node in the same consumer group.
import { map } from 'rxjs';
import { avro, topic, topology, type Infer, type Rec } from '@vision-flow/core';

export const PARTITIONS = 6;

export const Reading = avro.record('bench.Reading', { id: avro.string(), sensor: avro.string(), seq: avro.long(), payload: avro.bytes() });
export const input = topic('bench.in', { value: Reading, partitions: PARTITIONS });
export const output = topic('bench.out', { value: Reading, partitions: PARTITIONS });

/** The pass-through topology; each run gets its own name, hence its own consumer group (`<name>.pass`) reading from the start. */
export const passThrough = (name: string, maxInFlight?: number) => topology(name).node('pass', (n) =>
  n.from(input).pipe(map((r: Rec<string, Infer<typeof Reading>>) => r.withValue({ ...r.value, sensor: r.value.sensor.toUpperCase() }))).to(output), maxInFlight ? { maxInFlight } : {}
);

/** The node's consumer group for a run named `name`. */
export const groupOf = (name: string) => `${name}.pass`;
