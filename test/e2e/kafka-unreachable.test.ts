import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_PIPELINE, runCli } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { kafkaBrokers, registryUrl } from '../helpers/kafka-env.js';
import { randomId } from '../helpers/random-id.js';

// A broker or registry that is not there must give one clear line naming the address, a non-zero
// exit code, and no hang: whether nothing listens (connection refused) or something accepts the
// connection and never answers (a black hole: a firewall, a wrong service, a stuck peer).

interface Case {
  readonly name: string;
  /** Which of the two is unreachable; the other is the real one. */
  readonly broken: 'brokers' | 'registry';
  readonly address: () => string;
  /** What the error line must name. */
  readonly names: () => string;
}

/** Accepts TCP connections and never writes a byte. */
let blackHole: Server;
const sockets = new Set<Socket>();
const blackHolePort = () => (blackHole.address() as { port: number }).port;
/**
 * A port nothing listens on (bound, then closed). Not port 1 for the registry: fetch refuses port 1
 * as a "bad port" without connecting, so it would not test a refused connection.
 */
let closedPort = 0;

const cases: Case[] = [
  { name: 'no broker listens at the address', broken: 'brokers', address: () => '127.0.0.1:1', names: () => '127.0.0.1:1' },
  { name: 'the broker address accepts connections but never answers', broken: 'brokers', address: () => `127.0.0.1:${blackHolePort()}`, names: () => `127.0.0.1:${blackHolePort()}` },
  { name: 'no broker listens at a closed port', broken: 'brokers', address: () => `127.0.0.1:${closedPort}`, names: () => `127.0.0.1:${closedPort}` },
  { name: 'no registry listens at the URL', broken: 'registry', address: () => `http://127.0.0.1:${closedPort}/apis/ccompat/v7`, names: () => `http://127.0.0.1:${closedPort}/apis/ccompat/v7` },
  {
    name: 'the registry URL accepts connections but never answers',
    broken: 'registry',
    address: () => `http://127.0.0.1:${blackHolePort()}/apis/ccompat/v7`,
    names: () => `http://127.0.0.1:${blackHolePort()}/apis/ccompat/v7`,
  },
];

describe('vision-flow run when Kafka or the schema registry is unreachable', () => {
  beforeAll(async () => {
    blackHole = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  it.each(cases)('fails within seconds with one line naming the address when $name', async ({ broken, address, names }) => {
    const brokers = broken === 'brokers' ? address() : kafkaBrokers();
    const registry = broken === 'registry' ? address() : registryUrl();
    const started = Date.now();
    // --node objects: a node that would otherwise run until SIGTERM, so a hang would show.
    const result = await runCli(
      ['run', IMAGE_PIPELINE, '--node', 'objects', '--brokers', brokers, '--registry', registry, '--namespace', `t-${randomId()}`, '--no-progress'],
      { timeoutMs: 40_000 },
    );
    const elapsed = Date.now() - started;

    expect(result.signal, result.stderr).toBeNull(); // exited by itself, not killed by the harness
    expect(result.code, result.stderr).not.toBe(0);
    expect(elapsed, result.stderr).toBeLessThan(15_000);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^vision-flow: /);
    expect(lines[0]).toContain(names());
    expect(lines[0]).toMatch(broken === 'brokers' ? /kafka|broker/i : /registry/i);
    expect(result.stdout).toBe('');
  });

  it('fails the same way for the whole pipeline with --images (a bounded run)', async () => {
    const started = Date.now();
    const result = await runCli(['run', IMAGE_PIPELINE, '--brokers', '127.0.0.1:1', '--registry', registryUrl(), '--images', SHARED_IMAGES, '--no-progress'], { timeoutMs: 40_000 });
    expect(result.code, result.stderr).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr.trim().split('\n'), result.stderr).toEqual([expect.stringMatching(/^vision-flow: .*127\.0\.0\.1:1\b/)]);
    expect(result.stdout).toBe('');
  });
});
