import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, checkNamespace, toMillis, type JsonValue } from '@vision-flow/core';

/** Settings that can come from flags, environment variables or a config file. */
export interface VisionFlowConfig {
  readonly transport: 'memory' | 'kafka';
  readonly brokers: string | undefined;
  readonly registry: string | undefined;
  readonly modelDir: string | undefined;
  /** Prefix of every topic, consumer group and subject (`<namespace>.`), so deployments can share a cluster. */
  readonly namespace: string | undefined;
  /** Kafka consumer session timeout in ms: how soon the partitions of a killed node move to another instance. */
  readonly sessionTimeoutMs: number | undefined;
  /**
   * Kafka static membership (`group.instance.id`): a node restarted with the same id takes its
   * partitions back at once instead of after the session timeout. One id per running copy of a node.
   */
  readonly instanceId: string | undefined;
  /** Port of the query views (HTTP read side of the stores); 0 picks a free one; undefined: none served. */
  readonly queryPort: number | undefined;
  /** Address the query views bind; default 127.0.0.1 (this machine only). */
  readonly queryHost: string;
  /** Port of the node's HTTP server (/health, /ready, /metrics, /stores); 0 picks a free one; undefined: none. The query port is its alias. */
  readonly httpPort: number | undefined;
  /** Address the node's HTTP server binds; default the query host, else 127.0.0.1. */
  readonly httpHost: string;
  /** Topology parameters: `--set name=value`, `--images`, `"params"` in the file. */
  readonly params: { readonly [name: string]: JsonValue };
  /** Where each setting came from, for `--explain-config` and error messages. */
  readonly origins: { readonly [setting: string]: 'flag' | 'env' | 'file' | 'default' };
}

export interface ConfigFlags {
  readonly transport?: string;
  readonly brokers?: string;
  readonly registry?: string;
  readonly models?: string;
  readonly namespace?: string;
  readonly sessionTimeout?: string;
  readonly instanceId?: string;
  readonly queryPort?: string;
  readonly queryHost?: string;
  readonly httpPort?: string;
  readonly httpHost?: string;
  readonly config?: string;
  readonly params?: { readonly [name: string]: JsonValue };
}

export const ENV = { transport: 'VF_TRANSPORT', brokers: 'VF_BROKERS', registry: 'VF_REGISTRY', modelDir: 'VF_MODEL_DIR', namespace: 'VF_NAMESPACE', sessionTimeout: 'VF_SESSION_TIMEOUT', instanceId: 'VF_INSTANCE_ID', queryPort: 'VF_QUERY_PORT', queryHost: 'VF_QUERY_HOST', httpPort: 'VF_HTTP_PORT', httpHost: 'VF_HTTP_HOST', config: 'VF_CONFIG' } as const;
export const DEFAULT_CONFIG_FILE = 'vision-flow.config.json';

/**
 * Resolves configuration with this precedence, highest first:
 * 1. command-line flags; 2. environment variables (VF_TRANSPORT, VF_BROKERS, VF_REGISTRY,
 * VF_MODEL_DIR, VF_NAMESPACE, VF_SESSION_TIMEOUT, VF_INSTANCE_ID); 3. the config file (--config, else VF_CONFIG, else ./vision-flow.config.json if
 * present); 4. defaults (the embedded memory transport). Giving brokers without a transport
 * selects kafka. Parameters merge per name in the same order.
 */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): VisionFlowConfig {
  const file = readConfigFile(flags.config ?? env[ENV.config], cwd);
  const origins: { [k: string]: 'flag' | 'env' | 'file' | 'default' } = {};
  const pick = (name: string, flag: string | undefined, envName: string, fromFile: unknown): string | undefined => {
    if (flag !== undefined) return (origins[name] = 'flag'), flag;
    if (env[envName]) return (origins[name] = 'env'), env[envName];
    if (typeof fromFile === 'string') return (origins[name] = 'file'), fromFile;
    origins[name] = 'default';
    return undefined;
  };
  const brokers = pick('brokers', flags.brokers, ENV.brokers, file.brokers);
  const registry = pick('registry', flags.registry, ENV.registry, file.registry);
  const modelDir = pick('modelDir', flags.models, ENV.modelDir, file.modelDir);
  const namespace = pick('namespace', flags.namespace, ENV.namespace, file.namespace);
  if (namespace !== undefined) checkNamespace(namespace);
  // In the file a number means milliseconds, as everywhere a Duration is taken.
  const fileSession = typeof file.sessionTimeout === 'number' ? `${file.sessionTimeout}ms` : file.sessionTimeout;
  const sessionTimeout = pick('sessionTimeout', flags.sessionTimeout, ENV.sessionTimeout, fileSession);
  const sessionTimeoutMs = sessionTimeout === undefined ? undefined : toMillis(sessionTimeout as never, `session timeout (from ${origins.sessionTimeout})`);
  const instanceId = pick('instanceId', flags.instanceId, ENV.instanceId, file.instanceId);
  if (instanceId !== undefined) checkInstanceId(instanceId, origins.instanceId!);
  const queryPortText = pick('queryPort', flags.queryPort, ENV.queryPort, typeof file.queryPort === 'number' ? String(file.queryPort) : file.queryPort);
  const queryPort = queryPortText === undefined ? undefined : checkPort(queryPortText, origins.queryPort!);
  const queryHost = pick('queryHost', flags.queryHost, ENV.queryHost, file.queryHost) ?? '127.0.0.1';
  // --http-port is the node's one server; --query-port, its older name, stands in for it when it is not set.
  const httpPortText = pick('httpPort', flags.httpPort, ENV.httpPort, typeof file.httpPort === 'number' ? String(file.httpPort) : file.httpPort);
  const httpPort = httpPortText === undefined ? queryPort : checkPort(httpPortText, origins.httpPort!, 'http');
  const httpHost = pick('httpHost', flags.httpHost, ENV.httpHost, file.httpHost) ?? queryHost;
  let transport = pick('transport', flags.transport, ENV.transport, file.transport);
  if (transport === undefined) transport = brokers ? 'kafka' : 'memory';
  if (transport !== 'memory' && transport !== 'kafka') {
    throw new ConfigError(`transport "${transport}" (from ${origins.transport}) is not known; use memory (embedded, one process) or kafka (with --brokers)`);
  }
  const fileParams = (file.params ?? {}) as { [k: string]: JsonValue };
  return { transport, brokers, registry, modelDir, namespace, sessionTimeoutMs, instanceId, queryPort, queryHost, httpPort, httpHost, params: { ...fileParams, ...flags.params }, origins };
}

/** A group.instance.id the broker takes (its legal characters, like a topic name), else a ConfigError naming where it came from. */
function checkInstanceId(id: string, origin: string): void {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(id)) {
    throw new ConfigError(`instance id "${id}" (from ${origin}) must be 1-200 characters of A-Z a-z 0-9 . _ -, e.g. the host or pod name`, { option: 'instanceId', value: id });
  }
}

/** A TCP port (0: any free one), else a ConfigError naming where it came from. */
function checkPort(text: string, origin: string, what: 'query' | 'http' = 'query'): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`${what} port "${text}" (from ${origin}) must be a port number 0-65535 (0 picks a free port)`, { option: `${what}Port`, value: text });
  return port;
}

function readConfigFile(path: string | undefined, cwd: string): { [k: string]: unknown } {
  const file = path ? resolve(cwd, path) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (path) throw new ConfigError(`config file ${path} does not exist; pass an existing JSON file with --config or unset VF_CONFIG`, { file: path });
    return {};
  }
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a JSON object');
    const known = new Set(['transport', 'brokers', 'registry', 'modelDir', 'namespace', 'sessionTimeout', 'instanceId', 'queryPort', 'queryHost', 'httpPort', 'httpHost', 'params']);
    const unknown = Object.keys(parsed).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new Error(`unknown setting(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
    return parsed as { [k: string]: unknown };
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid: ${(e as Error).message}`, { file }, e);
  }
}

/** Parses `--set name=value`; values that read as JSON (numbers, true, null) are taken as such. */
export function parseSet(assignment: string, previous: { [k: string]: JsonValue } = {}): { [k: string]: JsonValue } {
  const i = assignment.indexOf('=');
  if (i <= 0) throw new ConfigError(`--set ${assignment}: write it as name=value, e.g. --set timeout=5s`);
  const name = assignment.slice(0, i);
  const raw = assignment.slice(i + 1);
  let value: JsonValue = raw;
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(raw)) value = JSON.parse(raw) as JsonValue;
  return { ...previous, [name]: value };
}
