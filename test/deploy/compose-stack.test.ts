// The broker and registry a generated compose file runs are the repository's docker-compose.yml
// ones (same images, same settings), apart from what running next to node containers needs: an
// INTERNAL listener the nodes reach as kafka:19092, and a volume for Kafka's data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { documents, generate, TOPOLOGIES } from './generate.js';

type Services = { [name: string]: { image: string; environment: { [k: string]: string | number } } };
const stack = (parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Services }).services;
const asText = (env: { [k: string]: string | number }) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));

describe('deploy --target compose runs the Kafka and registry of docker-compose.yml', () => {
  it('with the same images and settings, and a listener for the node containers', async () => {
    const g = await generate(TOPOLOGIES.pipeline, 'compose');
    const services = (documents(g.files.get('compose.yaml')!)[0] as { services: Services }).services;
    expect(services['kafka']!.image).toBe(stack['kafka']!.image);
    expect(services['registry']!.image).toBe(stack['registry']!.image);
    expect(services['registry']!.environment).toEqual(asText(stack['registry']!.environment));
    const own = new Set(['KAFKA_LISTENERS', 'KAFKA_ADVERTISED_LISTENERS', 'KAFKA_INTER_BROKER_LISTENER_NAME', 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', 'KAFKA_LOG_DIRS']);
    const strip = (env: { [k: string]: string }) => Object.fromEntries(Object.entries(env).filter(([k]) => !own.has(k)));
    expect(strip(services['kafka']!.environment as { [k: string]: string })).toEqual(strip(asText(stack['kafka']!.environment)));
    expect(services['kafka']!.environment['KAFKA_ADVERTISED_LISTENERS']).toBe('PLAINTEXT://127.0.0.1:9092,INTERNAL://kafka:19092');
  });
});
