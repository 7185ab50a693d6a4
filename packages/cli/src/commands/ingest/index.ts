import { ConfigError, checkPositiveInt } from '@vision-flow/core';
import { IngestProgress, type IngestCounts } from './ingest-progress.js';
import { listImages } from './list-images.js';
import { uploadImage } from './upload-image.js';
import type { IngestOptions, IngestResult, UploadOutcome } from './types.js';

export type { IngestOptions, IngestResult, UploadOutcome } from './types.js';

/**
 * `vision-flow ingest <dir|files...> --url --token`: uploads images to an HTTP ingest node with
 * bounded concurrency, retrying 429/503 after their Retry-After and connection errors with backoff.
 * Each image's outcome is written as a JSON line (`{file, status, id}` or `{file, status, code,
 * detail}`); the summary counts accepted, rejected (by reason) and retried.
 */
export async function run(inputs: readonly string[], opts: IngestOptions, env: NodeJS.ProcessEnv = process.env, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<IngestResult> {
  const url = uploadUrl(opts.url ?? env['VF_INGEST_URL']);
  const token = opts.token ?? env['VF_TOKEN'];
  if (!token) throw new ConfigError('no token; pass --token <JWT> or set VF_TOKEN');
  const concurrency = checkPositiveInt(Number(opts.concurrency ?? 8), '--concurrency', 'ingest');
  const maxAttempts = checkPositiveInt(Number(opts.maxAttempts ?? 8), '--max-attempts', 'ingest');
  const files = await listImages(inputs);
  const counts: IngestCounts = { total: files.length, accepted: 0, rejected: 0, retried: 0, inFlight: 0 };
  const progress = opts.progress === false ? undefined : new IngestProgress(process.stderr, counts);
  progress?.start();
  const outcomes: UploadOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      counts.inFlight++;
      const o = await uploadImage(file, { url, token, maxAttempts, onRetry: () => counts.retried++ });
      counts.inFlight--;
      if (o.id !== undefined) counts.accepted++;
      else counts.rejected++;
      outcomes.push(o);
      write(JSON.stringify(o));
    }
  };
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  } finally {
    progress?.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const retriedImages = outcomes.filter((o) => o.attempts > 1).length;
  const summary = [`${counts.accepted} accepted, ${counts.rejected} rejected, ${retriedImages} retried (${counts.retried} retries) of ${files.length} images in ${seconds.toFixed(1)} s`];
  const reasons = new Map<string, number>();
  for (const o of outcomes) if (o.id === undefined) reasons.set(`${o.status || 'no answer'} ${o.code}: ${o.detail}`, (reasons.get(`${o.status || 'no answer'} ${o.code}: ${o.detail}`) ?? 0) + 1);
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) summary.push(`  rejected ×${n}: ${reason}`);
  return { exitCode: counts.rejected > 0 ? 1 : 0, accepted: counts.accepted, rejected: counts.rejected, retried: retriedImages, outcomes, summary };
}

/** `http://host:port` → its upload route; a URL with a path is taken as it is. */
function uploadUrl(given: string | undefined): string {
  if (!given) throw new ConfigError('no ingest URL; pass --url http://host:port (the ingest node) or set VF_INGEST_URL');
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    throw new ConfigError(`--url ${given} is not a URL; pass e.g. http://127.0.0.1:8088`);
  }
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/images';
  return u.toString();
}
