import { ConfigError, WriterSchemaDecoder, checkPositiveInt, errorMessage, type IncomingMessage } from '@vision-flow/core';
import { resolveConfig } from '../../config/resolve-config.js';
import { connect } from '../../connect.js';
import type { TailOptions, TailResult } from './types.js';

export type { TailOptions, TailResult } from './types.js';

/**
 * `vision-flow tail <topic>`: prints a topic's records as JSON lines, keys and values decoded
 * through the registry with the schema that wrote them. Reads without a consumer group, so it
 * never moves any node's offsets. Records that are not Confluent Avro are printed with the error.
 */
export async function tail(topic: string, opts: TailOptions, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<TailResult> {
  const config = resolveConfig({ brokers: opts.brokers, registry: opts.registry, namespace: opts.namespace, config: opts.config, transport: 'kafka' });
  if (opts.max !== undefined) checkPositiveInt(opts.max, '--max', 'tail');
  const { transport, registry, close } = await connect(config);
  try {
    const description = await transport.admin().describeTopic(topic);
    if (!description) {
      const topics = (await transport.admin().listTopics()).filter((t) => !t.startsWith('_')).sort();
      throw new ConfigError(`topic "${topic}" does not exist on ${transport.address}; topics there: ${topics.join(', ') || 'none'}`);
    }
    if (!transport.reader) throw new ConfigError(`the ${transport.kind} transport cannot read topics without a group`);
    const reader = await transport.reader({ clientId: 'vision-flow-tail' });
    const ends = await transport.admin().endOffsets(topic);
    await reader.assign(ends.map((e) => ({ topic, partition: e.partition, offset: opts.fromBeginning ? 0 : e.offset })));
    const decoder = new WriterSchemaDecoder(registry);
    const bytes = opts.bytes ?? 'size';
    let count = 0;
    let lastRecord = Date.now();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    try {
      while (!stop.signal.aborted && (opts.max === undefined || count < opts.max)) {
        const batch = await reader.poll(opts.max === undefined ? 500 : Math.min(500, opts.max - count), 250);
        if (batch.length === 0) {
          if (opts.idleExit !== undefined && Date.now() - lastRecord >= opts.idleExit) break;
          continue;
        }
        lastRecord = Date.now();
        for (const m of batch.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset)) {
          if (opts.max !== undefined && count >= opts.max) break;
          write(JSON.stringify(await toJson(m, decoder), replacer(bytes)));
          count++;
        }
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      await reader.close();
    }
    return { exitCode: 0, records: count };
  } finally {
    await close();
  }
}

async function toJson(m: IncomingMessage, decoder: WriterSchemaDecoder): Promise<object> {
  const decode = async (b: Buffer | null) => {
    if (b === null) return { value: null };
    try {
      return { value: await decoder.decode(b) };
    } catch (e) {
      return { value: b, error: errorMessage(e) };
    }
  };
  const key = await decode(m.key);
  const value = await decode(m.value);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: new Date(m.timestamp).toISOString(),
    key: key.value,
    value: value.value,
    headers: m.headers,
    ...(key.error || value.error ? { error: value.error ?? key.error } : {}),
  };
}

function replacer(bytes: 'size' | 'base64') {
  return (_k: string, v: unknown): unknown => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      const data = (v as { data: number[] }).data;
      return bytes === 'base64' ? Buffer.from(data).toString('base64') : `<${data.length} bytes>`;
    }
    return v;
  };
}
