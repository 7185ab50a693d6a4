// What the transport conformance sections share: known partitioner values and small assertions.
import { expect } from 'vitest';
import { isVisionFlowError, type IncomingMessage, type TopicPartition } from '@vision-flow/core';
import { tpKeyOf, type Member } from './conformance-context.js';

/** murmur2 of UTF-8 keys as Java's `Utils.murmur2` returns them (apache/kafka UtilsTest.testMurmur2). */
export const JAVA_MURMUR2: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

export const value = (s: string): Buffer => Buffer.from(s, 'utf8');
export const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** Rejects with a VisionFlowError of this code; returns it for further checks. */
export async function expectVisionFlowError(p: Promise<unknown>, code: string): Promise<Error & { code: string; retriable: boolean }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected a rejection with code ${code}`).toBeDefined();
  expect(isVisionFlowError(e), `expected a VisionFlowError, got ${String(e)}`).toBe(true);
  const err = e as Error & { code: string; retriable: boolean };
  expect(err.code).toBe(code);
  return err;
}

export function allPartitions(topic: string, n: number): Set<string> {
  return new Set(Array.from({ length: n }, (_, partition) => tpKeyOf({ topic, partition })));
}

/** Fails if any partition is owned by two members at once. */
export function assertDisjoint(members: readonly Member[]): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const tp of m.assigned()) {
      const other = seen.get(tp);
      expect(other, `${tp} is owned by both ${other} and ${m.name}`).toBeUndefined();
      seen.set(tp, m.name);
    }
  }
}

export const union = (members: readonly Member[]): Set<string> => new Set(members.flatMap((m) => [...m.assigned()]));
export const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
export const offsetsOf = (ms: readonly IncomingMessage[]): number[] => ms.map((m) => m.offset);
/** Offsets lists sorted by partition: the contract does not fix their order. */
export const byPartition = <T extends TopicPartition>(xs: readonly T[]): T[] => [...xs].sort((a, b) => a.partition - b.partition);
export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
