import { resolve } from 'node:path';
import { ConfigError, toMillis } from '@vision-flow/core';
import { resolveConfig, type VisionFlowConfig } from '../../config/resolve-config.js';
import { connect } from '../../connect.js';
import { loadTopology } from '../../load-topology.js';
import { formatSupervisorEvent } from '../../up/format-supervisor-event.js';
import { freePorts } from '../../up/free-ports.js';
import { loadLauncher } from '../../up/load-launcher.js';
import { nodeSpecs, parseReplicas } from '../../up/node-specs.js';
import { processAlive, runsNode } from '../../up/process-alive.js';
import { StateFile, stateFilePath } from '../../up/state-file.js';
import { checkSupervisionPolicy, DEFAULT_SUPERVISION, type SupervisionPolicy } from '../../up/supervision-policy.js';
import { Supervisor } from '../../up/supervisor.js';
import type { UpState } from '../../up/up-state.js';
import type { UpOptions, UpResult } from './types.js';

/** Ctrl-C, a service manager's stop, and a closed terminal all stop the nodes in order. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `vision-flow up <topology>`: every node of the topology as its own OS process (or container),
 * talking through Kafka, kept running by a supervisor until SIGINT/SIGTERM or `vision-flow down`.
 * Prints each node's output prefixed with its name and the supervisor's events as `up | ...`.
 */
export async function up(file: string, opts: UpOptions): Promise<UpResult> {
  const params = { ...opts.set, ...(opts.images ? { images: opts.images } : {}), ...(opts.annotate ? { annotate: opts.annotate } : {}), ...(opts.out ? { out: opts.out } : {}) };
  const config = resolveConfig({ brokers: opts.brokers, registry: opts.registry, models: opts.models, namespace: opts.namespace, sessionTimeout: opts.sessionTimeout, config: opts.config, params });
  requireKafka(config);
  const policy = policyFrom(opts);
  const topology = await loadTopology(file);
  const replicas = parseReplicas(opts.replicas ?? [], topology);
  const stateFile = new StateFile(stateFilePath(topology.name, opts.stateFile));
  const previous = stateFile.read();
  if (previous && processAlive(previous.supervisorPid)) {
    throw new ConfigError(`${topology.name} is already up (supervisor pid ${previous.supervisorPid}, state ${stateFile.path}); stop it with \`vision-flow down ${topology.name}\`, or give this one its own --state-file`, { file: stateFile.path });
  }
  const orphans = previous?.nodes.filter((n) => n.pid !== undefined && runsNode(n.pid, n.node)) ?? [];
  if (orphans.length > 0) {
    // New copies next to them would share their static membership ids and fence each other.
    throw new ConfigError(`the last up of ${topology.name} (pid ${previous!.supervisorPid}) is gone but left ${orphans.map((n) => `${n.name} (pid ${n.pid})`).join(', ')} running; \`vision-flow down ${topology.name}\` ends them`, { file: stateFile.path });
  }
  // Fail now, naming the address, rather than with every node crash-looping on it.
  await (await connect(config)).close();
  const cwd = process.cwd();
  const topologyFile = resolve(file);
  const launcher = await loadLauncher({ containers: opts.containers === true, topology: topology.name, topologyFile, cwd, ...(opts.image ? { image: opts.image } : {}) });

  const httpHost = opts.httpHost ?? '127.0.0.1';
  const total = [...replicas.values()].reduce((a, b) => a + b, 0);
  const specs = nodeSpecs({ topology, topologyFile, replicas, env: sharedEnv(config), params: config.params, httpPorts: await freePorts(total, httpHost), httpHost });
  const width = Math.max(2, ...specs.map((s) => `${s.node}#${s.replica}`.length));
  const print = (name: string, line: string) => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);

  const base = { topology: topology.name, topologyFile, supervisorPid: process.pid, startedAt: new Date().toISOString(), launcher: opts.containers ? 'containers' : 'processes', ...(config.namespace ? { namespace: config.namespace } : {}), stopTimeoutMs: policy.stopTimeoutMs } as const;
  let stateWriteFailed = false;
  // ps and down lose sight of up if the state cannot be written, but the nodes must not lose their supervisor.
  const writeState = (state: UpState) => {
    try {
      stateFile.write(state);
    } catch (e) {
      if (!stateWriteFailed) print('up', `cannot write the state file ${stateFile.path} (${(e as Error).message}); ps and down will not see this up, stop it with Ctrl-C`);
      stateWriteFailed = true;
    }
  };
  const supervisor = new Supervisor({
    launcher,
    specs,
    policy,
    onEvent: (e) => print('up', formatSupervisorEvent(e)),
    // A node starts a line before its stop message (to end a progress line): no empty prefixed lines.
    onLine: (name, line) => line.trim() !== '' && print(name, line),
    onChange: (nodes) => writeState({ ...base, nodes }),
  });
  print('up', `${topology.name}: ${total} node process${total === 1 ? '' : 'es'} (${[...replicas].map(([n, r]) => (r > 1 ? `${n}×${r}` : n)).join(', ')}); state in ${stateFile.path}`);

  const killNow = (signal: NodeJS.Signals) => {
    print('up', `${signal} again: SIGKILL to every node`);
    supervisor.killNow();
  };
  const stopOnSignal = (signal: NodeJS.Signals) => {
    for (const s of STOP_SIGNALS) {
      process.removeListener(s, stopOnSignal);
      process.once(s, killNow);
    }
    void supervisor.stop(signal);
  };
  for (const s of STOP_SIGNALS) process.once(s, stopOnSignal);
  try {
    const result = await supervisor.run();
    const failed = result.failed.length > 0 ? [`gave up on ${result.failed.join(', ')} (see the crash lines above)`] : [];
    const end = result.stoppedBecause !== undefined ? `stopped (${result.stoppedBecause})` : 'every node finished';
    return { exitCode: result.failed.length > 0 ? 1 : 0, summary: [`up: ${topology.name} ${end}`, ...failed.map((l) => `up: ${l}`)] };
  } finally {
    for (const s of STOP_SIGNALS) {
      process.removeListener(s, stopOnSignal);
      process.removeListener(s, killNow);
    }
    stateFile.remove();
  }
}

function requireKafka(config: VisionFlowConfig): void {
  const missing = [!config.brokers && '--brokers host:port (env VF_BROKERS)', !config.registry && '--registry <url> (env VF_REGISTRY)'].filter(Boolean);
  if (config.transport === 'memory' && config.origins['transport'] !== 'default') {
    throw new ConfigError('up runs each node as its own process and they talk through Kafka; the memory transport cannot be shared between processes: use `vision-flow run` for an embedded run');
  }
  if (missing.length > 0) {
    throw new ConfigError(`up runs each node as its own process and they talk through Kafka: pass ${missing.join(' and ')}; \`bash scripts/stack.sh start\` runs both on this machine and \`bash scripts/stack.sh env\` prints them`);
  }
}

/** The environment every node gets, as a container of it would (docs/up.md lists it). */
function sharedEnv(config: VisionFlowConfig): { [k: string]: string } {
  return {
    VF_TRANSPORT: 'kafka',
    VF_BROKERS: config.brokers!,
    VF_REGISTRY: config.registry!,
    ...(config.namespace ? { VF_NAMESPACE: config.namespace } : {}),
    ...(config.modelDir ? { VF_MODEL_DIR: resolve(config.modelDir) } : {}),
    ...(config.sessionTimeoutMs !== undefined ? { VF_SESSION_TIMEOUT: `${config.sessionTimeoutMs}ms` } : {}),
  };
}

function policyFrom(opts: UpOptions): SupervisionPolicy {
  const ms = (text: string | undefined, flag: string, fallback: number) => (text === undefined ? fallback : toMillis(text as never, flag));
  const onGiveUp = opts.onGiveUp ?? DEFAULT_SUPERVISION.onGiveUp;
  if (onGiveUp !== 'fail-node' && onGiveUp !== 'stop-all') {
    throw new ConfigError(`--on-give-up ${onGiveUp}: use fail-node (mark it failed, keep the others running) or stop-all (stop every node)`, { option: 'onGiveUp' });
  }
  if (opts.maxRestarts !== undefined && !/^\d+$/.test(opts.maxRestarts)) {
    throw new ConfigError(`--max-restarts ${opts.maxRestarts}: give a whole number of 0 or more (0: never restart)`, { option: 'maxRestarts' });
  }
  const initialBackoffMs = ms(opts.backoff, '--backoff', DEFAULT_SUPERVISION.initialBackoffMs);
  return checkSupervisionPolicy({
    initialBackoffMs,
    maxBackoffMs: ms(opts.maxBackoff, '--max-backoff', Math.max(initialBackoffMs, DEFAULT_SUPERVISION.maxBackoffMs)),
    maxRestarts: opts.maxRestarts === undefined ? DEFAULT_SUPERVISION.maxRestarts : Number(opts.maxRestarts),
    windowMs: ms(opts.restartWindow, '--restart-window', DEFAULT_SUPERVISION.windowMs),
    onGiveUp,
    stopTimeoutMs: ms(opts.stopTimeout, '--stop-timeout', DEFAULT_SUPERVISION.stopTimeoutMs),
  });
}

export type { UpOptions, UpResult } from './types.js';
