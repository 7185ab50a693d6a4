// A client team that does not use TypeScript: Confluent's Python client (confluent-kafka from PyPI,
// its SchemaRegistryClient and AvroDeserializer) reads a tenant's analyses from the topic the route
// node wrote, through the registry's Confluent API. Proves the wire format and subjects are the
// standard ones, and that a tenant's topic holds only that tenant's results.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produceResults, tenantResults } from '../fixtures/webhooks/produce-results.js';
import { CliProcess, REPO } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { pollUntil } from '../helpers/pipeline-processes.js';

const TOPOLOGY = fileURLToPath(new URL('../fixtures/webhooks/delivery-topology.ts', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../examples/python-client/read_analyses.py', import.meta.url));

interface Printed {
  readonly topic: string;
  readonly key: string;
  readonly value: { id: string; objects: number; labels: string[] };
}

/** Runs the example with the venv's python; resolves with its stdout lines parsed, or rejects with its stderr. */
function readWithPython(python: string, args: readonly string[]): Promise<Printed[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`read_analyses.py exited ${code ?? signal}:\n${err}`));
      resolve(out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Printed));
    });
  });
}

describe('a Python confluent-kafka client reading a tenant topic', () => {
  const kns = new KafkaNamespace('t-pyclient');
  const procs: CliProcess[] = [];
  let python = '';

  beforeAll(async () => {
    await kns.connect();
    // Set up by scripts/test.sh already; a no-op then.
    python = (await promisify(execFile)('bash', [`${REPO}scripts/python-client.sh`, 'python'], { timeout: 600_000 })).stdout.trim();
  }, 620_000);
  afterAll(async () => {
    await endProcesses(procs);
    await kns.drop();
  });

  it('decodes every analysis of its tenant with AvroDeserializer through /apis/ccompat/v7, and none of another tenant', async () => {
    const list = tenantResults(24, ['acme', 'globex']);
    await produceResults(kns.view.ns, kns.registry, kns.name, list);
    const route = new CliProcess(['run', TOPOLOGY, '--node', 'route', ...kns.cliArgs, '--no-progress'], { timeoutMs: 5 * 60_000 });
    procs.push(route);
    const written = await pollUntil(async () => (await kns.view.written('analyses.acme')) >= 12, 120_000);
    expect(written, route.stderr.slice(-2000)).toBe(true);

    const topic = `${kns.name}.analyses.acme`; // the cluster's name of the namespace's topic
    const printed = await readWithPython(python, ['--brokers', kns.brokers, '--registry', kns.registry, '--topic', topic, '--group', `${kns.name}.python`, '--max', '12', '--idle', '60']);
    const acme = list.filter((r) => r.tenant === 'acme');
    expect(printed.map((p) => p.key).sort()).toEqual(acme.map((r) => r.id));
    for (const p of printed) {
      const i = list.findIndex((r) => r.id === p.key);
      expect(p).toMatchObject({ topic, value: { id: p.key, objects: i % 5, labels: i % 2 ? ['person'] : ['car', 'dog'] } });
    }
  }, 300_000);
});
