import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@vision-flow/core';
import { writeBuildContext } from '../../build/build-context.js';
import { DEFAULT_BASE } from '../../build/dockerfile.js';
import { imageRef } from '../../build/image-ref.js';
import { detectEngine, engineCommand, engineOutput } from '../../containers/container-engine.js';
import { loadTopology } from '../../load-topology.js';
import type { BuildOptions, BuildResult } from './types.js';

/**
 * `vision-flow build <topology>`: one OCI image for every node of the topology (each container
 * picks its node with VF_NODE or `run --node`), built with podman or docker. The engine's own
 * progress goes to standard error; the image reference is the result.
 */
export async function build(file: string, opts: BuildOptions): Promise<BuildResult> {
  const topology = await loadTopology(file);
  const image = opts.tag ?? imageRef(topology.name);
  const base = opts.base ?? process.env['VF_BASE_IMAGE'];
  if (opts.context !== undefined) {
    const dir = resolve(opts.context);
    await mkdir(dir, { recursive: true });
    if ((await readdir(dir)).length > 0) throw new ConfigError(`build --context ${opts.context}: the folder is not empty; give a new or empty folder`, { option: 'context' });
    const ctx = await writeBuildContext({ topologyFile: file, topologyName: topology.name, dir, defaultBase: DEFAULT_BASE });
    return { contextDir: dir, exitCode: 0, summary: [`build: context for ${topology.name} in ${dir} (${ctx.files} project files); build it with \`podman build --build-arg BASE=<image> -t ${image} ${dir}\``] };
  }
  const engine = await detectEngine({ prefer: opts.engine, purpose: 'build' });
  const idOf = (ref: string) => engineOutput(engine, ['image', 'inspect', '--format', '{{.Id}}', ref]).then((o) => o.trim(), () => undefined);
  const previous = await idOf(image);
  const dir = await mkdtemp(join(tmpdir(), 'vision-flow-build-'));
  try {
    const ctx = await writeBuildContext({ topologyFile: file, topologyName: topology.name, dir, defaultBase: DEFAULT_BASE });
    process.stderr.write(`build: ${image} for ${topology.name} with ${engine.kind}, FROM ${base ?? DEFAULT_BASE} (${ctx.files} project files; a first build compiles librdkafka: several minutes)\n`);
    // Host networking: the build's RUN steps reach apt and npm as this machine does.
    // Podman writes OCI images by default, which have no HEALTHCHECK; the docker format keeps it.
    const format = engine.kind === 'podman' ? ['--format', 'docker'] : [];
    const [cmd, args] = engineCommand(engine, ['build', ...format, ...engine.runFlags, '--network', 'host', '-t', image, ...(base ? ['--build-arg', `BASE=${base}`] : []), dir]);
    const child = spawn(cmd, args, { stdio: ['ignore', process.stderr, process.stderr] });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) return { exitCode: 1, summary: [`build: ${engine.kind} build failed (exit ${code}); its output is above`] };
    // The image this tag named before is now untagged: remove it (refused, harmlessly, while a
    // container or a cached build step still uses it), so rebuilds do not pile up old images.
    if (previous !== undefined && previous !== (await idOf(image))) await engineOutput(engine, ['rmi', previous]).catch(() => undefined);
    const size = Number((await engineOutput(engine, ['image', 'inspect', '--format', '{{.Size}}', image])).trim());
    return { image, exitCode: 0, summary: [`build: ${image} (${(size / 1e6).toFixed(0)} MB); run a node with \`${engine.kind} run --network host -v <models>:/models:ro -e VF_BROKERS=... -e VF_REGISTRY=... -e VF_NODE=<node> ${image}\``] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type { BuildOptions, BuildResult } from './types.js';
