import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mergeMap, type OperatorFunction } from 'rxjs';
import { describeParam, isParam, resolveParam, withContext, type ParamOr, type Rec } from '@vision-flow/core';

export interface JsonLinesSinkOptions<K, V> {
  /** `-` (default) for standard output, or a file path (appended to). Often `param('out')`. */
  readonly to?: ParamOr<string>;
  /** What to write per record; default the value. Buffers are written as `"<N bytes>"`. */
  readonly format?: (rec: Rec<K, V>) => unknown;
}

/**
 * Writes each record as one JSON line and passes the record on once the line is written
 * (the write's callback has fired), so the record counts as delivered only after that.
 *
 * When to use: the deliver node of batch runs and demos; scripts that read results with jq.
 *
 * @example n.from(analyses).pipe(jsonLinesSink({ to: param('out', { default: '-' }) }))
 */
export function jsonLinesSink<K, V>(opts: JsonLinesSinkOptions<K, V> = {}): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  const to = opts.to ?? '-';
  const format = opts.format ?? ((r: Rec<K, V>) => r.value);
  return withContext(`jsonLinesSink(${isParam(to) ? describeParam(to) : JSON.stringify(to)})`, (ctx) => {
    const target = resolveParam(to, ctx.params, 'jsonLinesSink "to"');
    // Opened on the first record, so a node that never delivers creates no file.
    let stream: Promise<NodeJS.WritableStream> | undefined;
    const open = (): Promise<NodeJS.WritableStream> =>
      (stream ??= (async () => {
        if (target === '-' || target === 'stdout') return process.stdout;
        const path = resolve(target);
        await mkdir(dirname(path), { recursive: true });
        return createWriteStream(path, { flags: 'a' }) as WriteStream;
      })());
    return (source) =>
      source.pipe(
        mergeMap(async (rec) => {
          const out = await open();
          const line = `${JSON.stringify(format(rec), jsonReplacer)}\n`;
          await new Promise<void>((res, rej) => out.write(line, (e) => (e ? rej(e) : res())));
          return rec;
        }, 1),
      );
  });
}

/** Buffers as their size, so an image never floods a results file. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return `<${(value as { data: unknown[] }).data.length} bytes>`;
  }
  return value;
}
