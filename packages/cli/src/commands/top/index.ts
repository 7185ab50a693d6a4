import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, checkPositiveInt } from '@vision-flow/core';
import { findUpStates } from '../../up/find-up-states.js';
import { scrapeNode, type NodeSample } from './node-sample.js';
import { topView } from './top-view.js';
import type { TopOptions, TopResult } from './types.js';

/**
 * `vision-flow top [<topology>]`: the running nodes live in the terminal, read from each node
 * process's /metrics every second: throughput, lag, in flight, pull credits, dead letters, errors.
 * Nodes from `--url` (repeatable), else from the state file `vision-flow up` keeps.
 */
export async function top(target: string | undefined, opts: TopOptions, out: NodeJS.WriteStream = process.stdout): Promise<TopResult> {
  const { urls, title } = nodeUrls(target, opts);
  const interval = checkPositiveInt(Number(opts.interval ?? 1000), 'interval', 'vision-flow top --interval');
  const frames = opts.iterations === undefined ? Infinity : checkPositiveInt(Number(opts.iterations), 'iterations', 'vision-flow top --iterations');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let previous = new Map<string, NodeSample>();
  try {
    for (let frame = 0; frame < frames && !stop.signal.aborted; frame++) {
      const started = Date.now();
      const samples = await Promise.all(urls.map((u) => scrapeNode(u)));
      const lines = topView(samples, previous, title);
      // A terminal is redrawn in place; a pipe gets one frame after another.
      out.write(out.isTTY ? `\x1b[H\x1b[2J${lines.join('\n')}\n` : `${lines.join('\n')}\n\n`);
      previous = new Map(samples.map((s) => [s.url, s]));
      if (frame + 1 < frames) await delay(Math.max(0, interval - (Date.now() - started)), undefined, { signal: stop.signal }).catch(() => undefined); // Ctrl-C ends the wait
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return { exitCode: 0 };
}

const ENDED = new Set(['done', 'stopped', 'failed']);

function nodeUrls(target: string | undefined, opts: TopOptions): { urls: string[]; title: string } {
  if (opts.url && opts.url.length > 0) {
    for (const u of opts.url) {
      if (!/^https?:\/\/[^/]+/.test(u)) throw new ConfigError(`--url ${u} is not an http(s) URL; give a node's HTTP server, e.g. http://127.0.0.1:9464 (vision-flow run --http-port)`, { option: 'url', value: u });
    }
    return { urls: [...opts.url], title: target ?? `${opts.url.length} node process${opts.url.length === 1 ? '' : 'es'}` };
  }
  const host = opts.host ?? '127.0.0.1';
  const found = findUpStates(target, opts.stateFile, 'top');
  // A node that ended (a drained source: done; given up on: failed) has no server to ask; the title says so.
  const ended = found.flatMap(({ state }) => state.nodes.filter((n) => ENDED.has(n.status)).map((n) => `${n.name} ${n.status}`));
  const urls = found.flatMap(({ state }) => state.nodes.filter((n) => n.httpPort !== undefined && !ENDED.has(n.status)).map((n) => `http://${host.includes(':') ? `[${host}]` : host}:${n.httpPort}`));
  if (urls.length === 0) throw new ConfigError(`top: no node up here has an HTTP port to read${ended.length > 0 ? ` (${ended.join(', ')})` : ''}; pass --url http://host:port for each node process (vision-flow run --http-port)`);
  const title = found.map((f) => f.state.topology).join(', ');
  return { urls: [...new Set(urls)], title: ended.length > 0 ? `${title} (${ended.join(', ')})` : title };
}

export type { TopOptions, TopResult } from './types.js';
