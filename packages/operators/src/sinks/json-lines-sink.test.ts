import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  InMemorySchemaRegistry,
  MemoryTransport,
  TopologyRunner,
  avro,
  operatorName,
  param,
  record,
  resolveParam,
  topic,
  topology,
  type Params,
  type Source,
} from '@vision-flow/core';
import { jsonLinesSink } from './json-lines-sink.js';

const Tagged = avro.record('test.Tagged', { id: avro.string(), n: avro.int() });
type Tagged = { id: string; n: number };
const tagged = topic('sink.tagged', { value: Tagged, partitions: 2 });

/** `count` records `<tag>-0`, `<tag>-1`, … from the run's own parameters. */
function taggedSource(): Source<string, Tagged> {
  return {
    kind: 'tagged',
    bounded: true,
    async open(ctx) {
      const tag = resolveParam(param('tag'), ctx.params, 'tag');
      const count = Number(resolveParam(param('count', { default: 3 }), ctx.params, 'count'));
      let n = 0;
      return {
        total: count,
        next: async () => (n < count ? { record: record({ key: `${tag}-${n}`, value: { id: `${tag}-${n}`, n: n++ } }) } : null),
        close: async () => undefined,
      };
    },
  };
}

// One topology value, run twice at once in this process: each run must write to its own `out`.
const tagging = topology('tagging')
  .node('produce', (n) => n.source(taggedSource()).to(tagged))
  .node('deliver', (n) => n.from(tagged).pipe(jsonLinesSink({ to: param('out'), format: (r) => r.value.id })));

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');

describe('jsonLinesSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-json-lines-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is named after its target for describe() and dead letters', () => {
    expect(operatorName(jsonLinesSink({ to: param('out', { default: '-' }) }), 0)).toBe('jsonLinesSink($out (default "-"))');
    expect(operatorName(jsonLinesSink({ to: 'x.jsonl' }), 0)).toBe('jsonLinesSink("x.jsonl")');
  });

  it('writes one JSON line per record, buffers as their size, and passes each record on', async () => {
    const file = join(dir, 'nested', 'out.jsonl');
    const recs = [record({ key: 'a', value: { id: 'a', image: Buffer.alloc(5) } }), record({ key: 'b', value: { id: 'b', image: Buffer.alloc(2) } })];
    const out = await lastValueFrom(from(recs).pipe(jsonLinesSink({ to: file }), toArray()));
    expect(out).toEqual(recs);
    expect(await lines(file)).toEqual(['{"id":"a","image":"<5 bytes>"}', '{"id":"b","image":"<2 bytes>"}']);
  });

  it('used outside a run, has only the defaults of its parameters', async () => {
    const run = lastValueFrom(from([record({ key: 'a', value: 1 })]).pipe(jsonLinesSink({ to: param('out') })));
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow('jsonLinesSink "to" needs the parameter "out": pass --set out=<value>');
  });

  it('two runs of one topology in one process each write to their own "out", never the other\'s', async () => {
    const run = (params: Params) => {
      const transport = new MemoryTransport();
      const runner = new TopologyRunner(tagging, { transport, registry: new InMemorySchemaRegistry(), params, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
      return { runner, transport };
    };
    const a = run({ tag: 'a', count: 3, out: join(dir, 'a.jsonl') });
    const b = run({ tag: 'b', count: 5, out: join(dir, 'b.jsonl') });
    try {
      await Promise.all([a.runner.start(), b.runner.start()]);
      await Promise.all([a.runner.runUntilDrained(), b.runner.runUntilDrained()]);
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
    expect((await lines(join(dir, 'a.jsonl'))).sort()).toEqual(['"a-0"', '"a-1"', '"a-2"']);
    expect((await lines(join(dir, 'b.jsonl'))).sort()).toEqual(['"b-0"', '"b-1"', '"b-2"', '"b-3"', '"b-4"']);
  }, 30_000);
});
