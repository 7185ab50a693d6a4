// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest another way: the
// broker settings, versions and ports it declares must be the ones scripts/stack.sh runs the
// tested stack with. A setting changed in one place and not the other fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli.js';

const compose = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
// stack.sh sets the configuration and sources its parts from scripts/stack/ (the broker's properties are in kafka.sh).
const stack = ['stack.sh', ...readdirSync(join(REPO, 'scripts', 'stack')).sort().map((f) => join('stack', f))]
  .map((f) => readFileSync(join(REPO, 'scripts', f), 'utf8'))
  .join('\n');

/** `NAME=${VF_X:-default}` or `NAME=value` in stack.sh. */
function stackDefault(name: string): string {
  const m = new RegExp(`^${name}=(?:\\$\\{[A-Z_]+:-([^}]*)\\}|(\\S+))`, 'm').exec(stack);
  if (!m) throw new Error(`scripts/stack.sh has no ${name}=`);
  return (m[1] ?? m[2])!;
}

/** The broker properties stack.sh writes (its server.properties here-document), without shell variables. */
function stackBrokerProperties(): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of stack.split('\n')) {
    const m = /^([a-z][a-z0-9.]+)=([^$\s]+)$/.exec(line);
    if (m) props.set(m[1]!, m[2]!);
  }
  return props;
}

/** `KAFKA_SOME_SETTING: value` → `some.setting` → `value`, as the apache/kafka image maps them. */
function composeBrokerProperties(): Map<string, string> {
  const props = new Map<string, string>();
  for (const m of compose.matchAll(/^\s+KAFKA_([A-Z0-9_]+):\s*"?([^"#\n]+?)"?\s*(#.*)?$/gm)) {
    props.set(m[1]!.toLowerCase().replaceAll('_', '.'), m[2]!.trim());
  }
  return props;
}

describe('docker-compose.yml agrees with scripts/stack.sh', () => {
  it('runs the same Kafka and Apicurio versions', () => {
    expect(/image: apache\/kafka:(\S+)/.exec(compose)?.[1]).toBe(stackDefault('KAFKA_VERSION'));
    expect(/image: apicurio\/apicurio-registry:(\S+)/.exec(compose)?.[1]).toBe(stackDefault('APICURIO_VERSION'));
  });

  it('publishes the default ports on 127.0.0.1 only', () => {
    expect(compose).toContain(`"127.0.0.1:${stackDefault('KAFKA_PORT')}:9092"`);
    expect(compose).toContain(`"127.0.0.1:${stackDefault('REGISTRY_PORT')}:8080"`);
    expect(compose).toContain(`"127.0.0.1:${stackDefault('REGISTRY_MGMT_PORT')}:9000"`);
    expect(compose.match(/^\s+- "(?!127\.0\.0\.1:)[^"]*:\d+"/gm) ?? [], 'ports published on every interface').toEqual([]);
  });

  it('gives the broker the same settings', () => {
    const fromStack = stackBrokerProperties();
    const fromCompose = composeBrokerProperties();
    const shared = ['auto.create.topics.enable', 'num.partitions', 'group.initial.rebalance.delay.ms', 'broker.session.timeout.ms', 'broker.heartbeat.interval.ms',
      'message.max.bytes', 'replica.fetch.max.bytes', 'offsets.topic.replication.factor', 'default.replication.factor', 'min.insync.replicas', 'process.roles'];
    for (const name of shared) {
      expect({ name, compose: fromCompose.get(name) }).toEqual({ name, compose: fromStack.get(name) });
    }
  });
});
