import { describe, expect, it } from 'vitest';
import { avro, topic, topology, type Source } from '@vision-flow/core';
import { nodeSpecs, parseReplicas } from './node-specs.js';

const readings = topic('readings', { value: avro.record('t.Reading', { n: avro.int() }) });
const counter: Source<string, { n: number }> = { kind: 'counter', bounded: true, describe: () => ({}), open: async () => ({ next: async () => null, close: async () => undefined }) };
const t = topology('specs')
  .node('produce', (n) => n.source(counter).to(readings))
  .node('deliver', (n) => n.from(readings).pipe((s) => s));

interface Case {
  readonly flags: string[];
  readonly error: RegExp;
}

describe('parseReplicas', () => {
  it('runs every node once unless given more, from repeated or comma-separated flags', () => {
    expect([...parseReplicas([], t)]).toEqual([['produce', 1], ['deliver', 1]]);
    expect([...parseReplicas(['deliver=3'], t)]).toEqual([['produce', 1], ['deliver', 3]]);
    expect([...parseReplicas(['deliver=2,produce=1'], t)]).toEqual([['produce', 1], ['deliver', 2]]);
  });

  it.each<Case>([
    { flags: ['deliver'], error: /--replicas deliver: write it as node=count, e.g. --replicas objects=2/ },
    { flags: ['nope=2'], error: /topology specs has no node "nope"; its nodes are produce, deliver/ },
    { flags: ['deliver=0'], error: /a node runs at least once/ },
    { flags: ['produce=2'], error: /produce is a source node \(it reads no topic\), so each copy would submit everything again/ },
  ])('refuses $flags naming the fix', ({ flags, error }) => {
    expect(() => parseReplicas(flags, t)).toThrow(error);
  });
});

describe('nodeSpecs', () => {
  it('gives each replica the shared env plus its node, its own HTTP port and its own static membership id, and every parameter as --set', () => {
    const specs = nodeSpecs({
      topology: t,
      topologyFile: '/abs/specs.ts',
      replicas: parseReplicas(['deliver=2'], t),
      env: { VF_TRANSPORT: 'kafka', VF_BROKERS: 'b:9092', VF_REGISTRY: 'http://r' },
      params: { images: '../shared/images', repeat: 3, annotate: null },
      httpPorts: [7001, 7002, 7003],
      httpHost: '127.0.0.1',
    });
    expect(specs.map((s) => [s.node, s.replica, s.env['VF_NODE'], s.env['VF_HTTP_PORT'], s.env['VF_BROKERS']])).toEqual([
      ['produce', 1, 'produce', '7001', 'b:9092'],
      ['deliver', 1, 'deliver', '7002', 'b:9092'],
      ['deliver', 2, 'deliver', '7003', 'b:9092'],
    ]);
    const ids = specs.map((s) => s.env['VF_INSTANCE_ID']!);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._-]+-(produce|deliver)-\d$/);
    expect(specs[1]!.args).toEqual(['--no-progress', '--set', 'images=../shared/images', '--set', 'repeat=3', '--set', 'annotate=null']);
    // A second replica keeps its persistent stores apart from the first's on the same machine.
    expect(specs[2]!.args.slice(-2)).toEqual(['--state-dir', '.vision-flow/state/replica-2']);
  });

  it('refuses an object parameter, which --set cannot carry', () => {
    expect(() => nodeSpecs({ topology: t, topologyFile: '/t.ts', replicas: parseReplicas([], t), env: {}, params: { auth: { issuer: 'x' } }, httpPorts: [1, 2], httpHost: '127.0.0.1' })).toThrow(
      /parameter auth is a JSON object; up passes parameters to its nodes as --set name=value/,
    );
  });
});
