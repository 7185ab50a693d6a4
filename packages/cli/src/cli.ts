// Declares the vision-flow commands. Handlers live in commands/<name>/ and return results; only
// this file turns results and errors into output and exit codes.
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { isVisionFlowError, type JsonValue } from '@vision-flow/core';
import type { InferenceWorkers } from '@vision-flow/operators/inference-workers';
import { parseSet } from './config/resolve-config.js';
import { printError } from './output/print-error.js';
import type * as runCommand from './commands/run/index.js';
import type * as graphCommand from './commands/graph/index.js';
import type * as schemasCommand from './commands/schemas/index.js';
import type * as tailCommand from './commands/tail/index.js';
import type * as queryCommand from './commands/query/index.js';
import type * as ingestCommand from './commands/ingest/index.js';
import type * as upCommand from './commands/up/index.js';
import type * as psCommand from './commands/ps/index.js';
import type * as topCommand from './commands/top/index.js';
import type * as downCommand from './commands/down/index.js';
import type * as buildCommand from './commands/build/index.js';
import type * as deployCommand from './commands/deploy/index.js';
import type * as planCommand from './commands/plan/index.js';
import type * as applyCommand from './commands/apply/index.js';

/** Each command's module, loaded when that command runs: a command loads only what it uses. */
const commands = {
  run: () => import('./commands/run/index.js'),
  graph: () => import('./commands/graph/index.js'),
  schemas: () => import('./commands/schemas/index.js'),
  tail: () => import('./commands/tail/index.js'),
  query: () => import('./commands/query/index.js'),
  ingest: () => import('./commands/ingest/index.js'),
  up: () => import('./commands/up/index.js'),
  ps: () => import('./commands/ps/index.js'),
  top: () => import('./commands/top/index.js'),
  down: () => import('./commands/down/index.js'),
  build: () => import('./commands/build/index.js'),
  deploy: () => import('./commands/deploy/index.js'),
  plan: () => import('./commands/plan/index.js'),
  apply: () => import('./commands/apply/index.js'),
};

/** This package's version, from its package.json (one directory above src/ and dist/). */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectSet = (value: string, previous: { [k: string]: JsonValue } = {}) => parseSet(value, previous);

/** What the process started before the CLI loaded (bin.ts), for the command that uses it. */
export interface CliContext {
  /** Started for `vision-flow run` (early-inference-workers.ts); its inference pool takes them. */
  readonly inferenceWorkers?: InferenceWorkers | undefined;
}

export function buildProgram(context: CliContext = {}): Command {
  const program = new Command('vision-flow')
    .description('Run stream-processing topologies for computer vision on Kafka (or embedded, in one process).')
    .version(version, '-V, --version', 'print the version of vision-flow')
    .showHelpAfterError('(run with --help for usage)')
    .option('--verbose', 'print stack traces of errors');

  const connection = (cmd: Command) =>
    cmd
      .addOption(new Option('--transport <kind>', 'memory (embedded, one process) or kafka; default memory, or kafka when brokers are given').env('VF_TRANSPORT'))
      .option('--brokers <list>', 'Kafka bootstrap servers, e.g. 127.0.0.1:9092 (env VF_BROKERS)')
      .option('--registry <url>', 'Confluent-compatible schema registry URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 (env VF_REGISTRY)')
      .option('--namespace <name>', 'prefix every topic, consumer group and schema subject with "<name>." (env VF_NAMESPACE)')
      .option('--config <file>', 'JSON config file (env VF_CONFIG; default ./vision-flow.config.json if present)');

  connection(
    program
      .command('run')
      .description('run a topology: all nodes here, or only --node ones (one process per node on Kafka)')
      .argument('<topology>', 'path to a topology module (.ts or .js) that exports default topology(...)'),
  )
    .option('--node <name>', 'run only this node; repeat for several', collect)
    .option('--images <dir>', 'folder of images to submit (sets the "images" parameter)')
    .option('--annotate <dir>', 'write each image with its boxes drawn into this folder (sets "annotate")')
    .option('--out <file>', 'write result lines to this file instead of standard output (sets "out")')
    .option('--set <name=value>', 'set a topology parameter; repeatable', collectSet)
    .option('--models <dir>', 'model directory (env VF_MODEL_DIR)')
    .option('--session-timeout <duration>', 'how soon a killed node\'s partitions move to another instance, e.g. 10s (Kafka session.timeout.ms; default 45s; env VF_SESSION_TIMEOUT)')
    .option('--instance-id <id>', 'static group membership: this copy of the node keeps its partitions across a restart within the session timeout; one id per running copy (Kafka group.instance.id; env VF_INSTANCE_ID)')
    .option('--http-port <port>', "serve the node's HTTP endpoints (/health, /ready, /metrics, /stores query views) on this port; 0 picks a free one and prints it (env VF_HTTP_PORT; default: not served)")
    .option('--http-host <address>', 'address the HTTP endpoints listen on (env VF_HTTP_HOST; default 127.0.0.1)')
    .option('--query-port <port>', 'alias of --http-port (env VF_QUERY_PORT)')
    .option('--state-dir <dir>', 'folder persistent stores keep their data in (default .vision-flow/state)')
    .option('--query-host <address>', 'alias of --http-host (env VF_QUERY_HOST)')
    .option('--no-progress', 'no progress display on standard error')
    .action(async (file: string, opts: runCommand.RunOptions) => {
      const result = await (await commands.run()).run(file, opts, context.inferenceWorkers);
      for (const line of result.summary) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('graph')
    .description('print the nodes, topics and edges of a topology (text, Mermaid, DOT, SVG or PNG)')
    .argument('<topology>', 'path to a topology module')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot', 'svg', 'png', 'json']).default('text'))
    .option('-o, --output <file>', 'write to a file instead of standard output (needed for png)')
    .action(async (file: string, opts: graphCommand.GraphOptions) => {
      const result = await (await commands.graph()).run(file, opts);
      if (result.text !== undefined) process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    });

  const schemas = program.command('schemas').description("check, register or print a topology's Avro schemas (subjects <topic>-key and <topic>-value)");
  const registryOptions = (cmd: Command) =>
    cmd
      .option('--registry <url>', 'Confluent-compatible schema registry URL (env VF_REGISTRY)')
      .option('--namespace <name>', 'subjects under "<name>." as `run --namespace` writes them (env VF_NAMESPACE)')
      .option('--config <file>', 'JSON config file (env VF_CONFIG)');
  const printLines = (result: schemasCommand.SchemasResult) => {
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    process.exitCode = result.exitCode;
  };
  registryOptions(
    schemas
      .command('check')
      .description('compare the topology with the registry; exit 1 naming subject and field when a change is incompatible')
      .argument('<topology>', 'path to a topology module'),
  ).action(async (file: string, opts: schemasCommand.SchemasOptions) => printLines(await (await commands.schemas()).check(file, opts)));
  registryOptions(
    schemas.command('register').description('register the schemas of every topic the topology writes').argument('<topology>', 'path to a topology module'),
  ).action(async (file: string, opts: schemasCommand.SchemasOptions) => printLines(await (await commands.schemas()).register(file, opts)));
  schemas
    .command('print')
    .description('print each subject of the topology with its Avro schema')
    .argument('<topology>', 'path to a topology module')
    .action(async (file: string) => printLines(await (await commands.schemas()).print(file)));

  program
    .command('tail')
    .description("print a topic's records as JSON lines, decoded through the registry (reads without a consumer group)")
    .argument('<topic>', 'topic name as the topology declares it, e.g. vision.analyses or objects.dlq')
    .option('--brokers <list>', 'Kafka bootstrap servers (env VF_BROKERS)')
    .option('--registry <url>', 'schema registry URL (env VF_REGISTRY)')
    .option('--namespace <name>', 'read the topic under "<name>." (env VF_NAMESPACE)')
    .option('--config <file>', 'JSON config file (env VF_CONFIG)')
    .option('--from-beginning', 'start at the oldest record instead of the end')
    .option('--max <n>', 'stop after n records', (v) => Number(v))
    .option('--idle-exit <ms>', 'stop when no record came for this long', (v) => Number(v))
    .addOption(new Option('--bytes <how>', 'print bytes fields as their size or base64').choices(['size', 'base64']).default('size'))
    .action(async (topic: string, opts: tailCommand.TailOptions) => {
      process.exitCode = (await (await commands.tail()).tail(topic, opts)).exitCode;
    });

  program
    .command('query')
    .description("ask a running topology's query views for a key of a store (its value, or its windows with --from/--to); without a key, every entry")
    .argument('<topology>', 'path to the topology module the instances run')
    .argument('<store>', 'store name, e.g. counts')
    .argument('[key]', 'the key in its text form: a string as-is, a number as digits, a record as JSON')
    .option('--from <time>', 'window stores: windows starting at or after this time (epoch ms or ISO 8601)')
    .option('--to <time>', 'window stores: windows starting at or before this time (epoch ms or ISO 8601)')
    .option('--url <url>', 'ask this instance, e.g. http://127.0.0.1:7070, instead of finding one through the brokers')
    .option('--node <name>', 'the node whose store to ask, when several nodes have a store of that name')
    .option('--brokers <list>', 'Kafka bootstrap servers, to find the instances (env VF_BROKERS)')
    .option('--registry <url>', 'schema registry URL (env VF_REGISTRY)')
    .option('--namespace <name>', 'the namespace the topology runs under (env VF_NAMESPACE)')
    .option('--config <file>', 'JSON config file (env VF_CONFIG)')
    .action(async (file: string, store: string, key: string | undefined, opts: queryCommand.QueryOptions) => {
      const result = await (await commands.query()).query(file, store, key, opts);
      for (const note of result.notes) process.stderr.write(`vision-flow: ${note}\n`);
      process.stdout.write(`${result.json}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('up')
    .description('run every node of a topology as its own OS process (or container) on Kafka, supervised: a crashed node restarts with backoff (docs/up.md)')
    .argument('<topology>', 'path to a topology module')
    .option('--brokers <list>', 'Kafka bootstrap servers (env VF_BROKERS); required')
    .option('--registry <url>', 'schema registry URL (env VF_REGISTRY); required')
    .option('--namespace <name>', 'prefix every topic, consumer group and schema subject with "<name>." (env VF_NAMESPACE)')
    .option('--config <file>', 'JSON config file (env VF_CONFIG)')
    .option('--models <dir>', 'model directory (env VF_MODEL_DIR)')
    .option('--session-timeout <duration>', 'Kafka session timeout of every node (env VF_SESSION_TIMEOUT)')
    .option('--images <dir>', 'folder of images to submit (sets the "images" parameter)')
    .option('--annotate <dir>', 'write each image with its boxes drawn into this folder (sets "annotate")')
    .option('--out <file>', 'write result lines to this file (sets "out"; the default, standard output, mixes them into the log)')
    .option('--set <name=value>', 'set a topology parameter for every node; repeatable', collectSet)
    .option('--replicas <node=count>', 'run this many copies of a node, e.g. objects=2; repeatable', collect)
    .option('--containers', 'run each node as a container (podman or docker) of the image `vision-flow build` made')
    .option('--image <ref>', 'with --containers: the image to run (default: the one vision-flow build names)')
    .option('--http-host <address>', "address the nodes' HTTP servers bind (VF_HTTP_HOST; default 127.0.0.1); each gets a free port (VF_HTTP_PORT)")
    .option('--backoff <duration>', 'delay before restarting a crashed node, doubled per crash in the window (default 1s)')
    .option('--max-backoff <duration>', 'longest delay between restarts (default 30s)')
    .option('--max-restarts <n>', 'give up on a node that crashed more than n times within the restart window (default 5)')
    .option('--restart-window <duration>', 'the window crashes are counted in (default 60s)')
    .addOption(new Option('--on-give-up <what>', 'when giving up on a node: mark it failed and keep the rest running, or stop every node').choices(['fail-node', 'stop-all']).default('fail-node'))
    .option('--stop-timeout <duration>', 'how long a node gets after SIGTERM before SIGKILL (default 30s)')
    .option('--state-file <file>', 'where to keep the state ps and down read (default .vision-flow/up/<topology-name>.json)')
    .action(async (file: string, opts: upCommand.UpOptions) => {
      const result = await (await commands.up()).up(file, opts);
      for (const line of result.summary) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('top')
    .description('show the running nodes live: throughput, lag, in flight, pull credits, dead letters and errors from each node\'s /metrics, every second')
    .argument('[topology]', 'the topology `vision-flow up` runs (its state file names the nodes); default every one up here')
    .option('--url <url>', "a node process's HTTP server, e.g. http://127.0.0.1:9464 (vision-flow run --http-port); repeatable; instead of the up state file", collect)
    .option('--state-file <file>', 'the state file of `up --state-file`')
    .option('--host <host>', 'host the up nodes\' HTTP ports are on (default 127.0.0.1)')
    .option('--interval <ms>', 'milliseconds between refreshes', '1000')
    .option('--iterations <n>', 'stop after n refreshes (default: until Ctrl-C)')
    .action(async (target: string | undefined, opts: topCommand.TopOptions) => {
      process.exitCode = (await (await commands.top()).top(target, opts)).exitCode;
    });

  program
    .command('ps')
    .description('list the nodes `vision-flow up` runs here: replica, pid, status, restarts, uptime, HTTP port')
    .argument('[topology]', 'topology name or file (default: every topology up here)')
    .option('--state-file <file>', 'read this state file instead of .vision-flow/up/')
    .option('--json', 'print the state as JSON')
    .action(async (target: string | undefined, opts: psCommand.PsOptions) => {
      const result = (await commands.ps()).ps(target, opts);
      for (const line of result.lines) process.stdout.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('down')
    .description('stop what `vision-flow up` runs here (every node: SIGTERM, then SIGKILL) and wait until it has ended')
    .argument('[topology]', 'topology name or file (default: every topology up here)')
    .option('--state-file <file>', 'the state file up was given')
    .option('--timeout <duration>', 'extra wait beyond the nodes\' stop timeout before SIGKILL (default 30s)')
    .action(async (target: string | undefined, opts: downCommand.DownOptions) => {
      const result = await (await commands.down()).down(target, opts, (line) => process.stderr.write(`${line}\n`));
      for (const line of result.lines) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('build')
    .description('build one container image for every node of a topology (podman or docker); each container runs one node (VF_NODE)')
    .argument('<topology>', 'path to a topology module inside an npm project (its package-lock.json decides the dependencies)')
    .option('--tag <image>', 'image reference to build (default localhost/vision-flow-<topology>:latest)')
    .option('--base <image>', 'base image with Node 20+ on Debian bookworm, passed as --build-arg BASE (env VF_BASE_IMAGE; default node:20-bookworm-slim)')
    .addOption(new Option('--engine <engine>', 'container engine (env VF_CONTAINER_ENGINE; default podman when installed, else docker)').choices(['podman', 'docker']))
    .option('--context <dir>', 'only write the build context (Dockerfile included) to this folder')
    .action(async (file: string, opts: buildCommand.BuildOptions) => {
      const result = await (await commands.build()).build(file, opts);
      for (const line of result.summary) process.stderr.write(`${line}\n`);
      if (result.image) process.stdout.write(`${result.image}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('ingest')
    .description('upload images to an HTTP ingest node (httpSource): bounded concurrency, retries on 429/503 after Retry-After, a JSON line per image')
    .argument('<inputs...>', 'image files and folders of images (JPEG, PNG, WebP; folders recursively)')
    .option('--url <url>', 'the ingest node, e.g. http://127.0.0.1:8088 (env VF_INGEST_URL)')
    .option('--token <jwt>', 'bearer token (env VF_TOKEN, which keeps it out of the process list)')
    .option('--concurrency <n>', 'uploads at once', '8')
    .option('--max-attempts <n>', 'attempts per image, retries on 429, 503 and connection errors included', '8')
    .option('--no-progress', 'no progress line on standard error')
    .action(async (inputs: string[], opts: ingestCommand.IngestOptions) => {
      const result = await (await commands.ingest()).run(inputs, opts);
      for (const line of result.summary) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  program
    .command('deploy')
    .description('write a compose file or Kubernetes manifests that run each node of a topology as its own container (same input, same bytes)')
    .argument('<topology>', 'path to a topology module')
    .addOption(new Option('--target <target>', 'compose (Kafka, registry, provisioning job, one service per node) or k8s (workloads, Services, ConfigMap, PDBs, HPAs, a Job; kustomization.yaml)').choices(['compose', 'k8s']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'folder to write the files into')
    .option('--image <ref>', 'image of the topology (default: what vision-flow build makes, localhost/vision-flow-<topology>:latest)')
    .option('--brokers <list>', 'k8s: Kafka bootstrap servers the pods use (default kafka:9092); compose runs its own broker')
    .option('--registry <url>', 'k8s: schema registry URL the pods use (default http://registry:8080/apis/ccompat/v7)')
    .option('--namespace <name>', 'topics, groups and subjects under "<name>." (VF_NAMESPACE in every container)')
    .option('--replicas <node=n>', 'copies of a node; repeatable', collect)
    .option('--set <name=value>', 'a topology parameter every node gets; repeatable', collectSet)
    .option('--topology-in-image <path>', 'the topology file inside the image (default /app/<its path relative to this folder>, as vision-flow build puts it)')
    .action(async (file: string, opts: deployCommand.DeployOptions) => {
      const result = await (await commands.deploy()).deploy(file, opts);
      for (const line of result.lines) process.stderr.write(`${line}\n`);
    });

  const provisioning = (cmd: Command) =>
    cmd
      .argument('<topology>', 'path to a topology module')
      .option('--brokers <list>', 'Kafka bootstrap servers (env VF_BROKERS)')
      .option('--registry <url>', 'schema registry URL (env VF_REGISTRY)')
      .option('--namespace <name>', 'the topology\'s topics and subjects under "<name>." (env VF_NAMESPACE)')
      .option('--config <file>', 'JSON config file (env VF_CONFIG)')
      .option('--replication-factor <n>', 'replication factor of new topics, and to compare existing ones with (default: the broker\'s)', (v) => Number(v));
  provisioning(program.command('plan').description('print what apply would change on the cluster and registry: topics to create, partitions to add, drifted configs, schemas to register or refused (exit 1)'))
    .action(async (file: string, opts: planCommand.ProvisionOptions) => {
      const result = await (await commands.plan()).plan(file, opts);
      for (const line of result.lines) process.stdout.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });
  provisioning(program.command('apply').description('create the topology\'s topics, add partitions, set drifted configs and register its schemas; deletes nothing unless --delete-unknown'))
    .option('--delete-unknown', 'also delete topics named "<topology>." that the topology no longer declares (old changelogs, repartition topics)')
    .action(async (file: string, opts: planCommand.ApplyOptions) => {
      const result = await (await commands.apply()).apply(file, opts, (line) => process.stdout.write(`${line}\n`));
      for (const line of result.lines) process.stdout.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });

  return program;
}

export async function main(argv: readonly string[] = process.argv, context: CliContext = {}): Promise<void> {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    printError(e, program.opts<{ verbose?: boolean }>().verbose === true);
    // Errors a user can fix (bad flags, files, config) exit 2; anything else 1.
    process.exitCode = isVisionFlowError(e) && !e.retriable ? 2 : 1;
  }
}
