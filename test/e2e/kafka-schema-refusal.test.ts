import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAvroJson, type AvroJsonObject } from '@vision-flow/core';
import { ObjectsDetected } from '../../topologies/image-pipeline/schemas.js';
import { IMAGE_PIPELINE, runCli } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { registryUrl } from '../helpers/kafka-env.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';

// A registry that already holds, under the subject the objects node writes, a version the
// topology's schema cannot evolve from: the pipeline must refuse at start (exit 2), name the
// subject and the field, and write nothing: no record on any topic, no result line, no new version.
//
// Under BACKWARD the new (topology) schema must read data written with the registered one. A field
// the registered version has and the topology lacks is fine (the reader skips it). A field the
// topology has *without a default* that the registered version lacks is not: old records have no
// value for it. So the registered version is ObjectsDetected without its required `model` field.

const registry = registryUrl();

async function registryCall<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${registry}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as T };
}

/** ObjectsDetected as it was "before" the topology added `model` (no default) to it. */
function withoutModel(): AvroJsonObject {
  const json = toAvroJson(ObjectsDetected) as AvroJsonObject;
  const fields = json['fields'] as Array<{ name: string }>;
  expect(fields.some((f) => f.name === 'model')).toBe(true); // the test's premise
  return { ...json, fields: fields.filter((f) => f.name !== 'model') };
}

describe('the image pipeline on Kafka with an incompatible schema registered', () => {
  const kns = new KafkaNamespace();
  const ns = kns.name;
  const subject = `${ns}.vision.objects-value`;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vf-refusal-'));
    await kns.connect();
    const reg = await registryCall<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schemaType: 'AVRO', schema: JSON.stringify(withoutModel()) });
    expect(reg.status, JSON.stringify(reg.json)).toBe(200);
    // Compatibility is the registry default (BACKWARD), not relaxed for this subject.
    expect((await registryCall<{ compatibilityLevel: string }>('GET', '/config')).json.compatibilityLevel).toBe('BACKWARD');
  });

  afterAll(async () => {
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses the whole pipeline at start with exit 2, naming subject and field, and writes nothing', async () => {
    const out = join(work, 'results.jsonl');
    const started = Date.now();
    const result = await runCli(
      ['run', IMAGE_PIPELINE, ...kns.cliArgs, '--images', SHARED_IMAGES, '--out', out, '--no-progress'],
      { timeoutMs: 60_000 },
    );
    const elapsed = Date.now() - started;

    expect(result.code, result.stderr).toBe(2);
    const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('vision-flow:'));
    expect(errorLines, result.stderr).toHaveLength(1);
    expect(errorLines[0]).toContain(`"${subject}"`);
    expect(errorLines[0]).toMatch(/\bmodel\b/);
    expect(errorLines[0]).toMatch(/default/);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(elapsed).toBeLessThan(30_000);

    // Nothing written: no result file, no record on any topic of the namespace, no new version.
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    const ours = kns.view.ns.admin();
    for (const topic of await ours.listTopics()) {
      const records = (await ours.endOffsets(topic)).reduce((n, o) => n + o.offset, 0);
      expect({ topic, records }).toEqual({ topic, records: 0 });
    }
    const versions = await registryCall<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    expect(versions.json).toEqual([1]);
  });

  it('refuses the objects node alone (one process per node) the same way', async () => {
    const result = await runCli(['run', IMAGE_PIPELINE, '--node', 'objects', ...kns.cliArgs, '--no-progress'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`"${subject}"`);
    expect(result.stderr).toMatch(/field \S*model/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect((await registryCall<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`)).json).toEqual([1]);
  });
});
