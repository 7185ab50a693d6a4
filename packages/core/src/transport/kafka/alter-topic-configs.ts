import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { KafkaReader, KafkaWriter, requestAnyBroker, sizePrefixed } from './kafka-wire.js';

/**
 * Sets configs of one topic with one IncrementalAlterConfigs (v0) request: only the names given
 * change, every other config keeps its value. By hand for the same reason as
 * describe-topic-configs.ts: the native binding has no AlterConfigs; PLAINTEXT only.
 */
export async function alterTopicConfigs(
  brokers: readonly string[],
  topic: string,
  configs: { readonly [name: string]: string },
  opts: { clientId: string; timeoutMs: number },
): Promise<void> {
  decodeIncrementalAlterConfigs(await requestAnyBroker(brokers, 'IncrementalAlterConfigs', encodeIncrementalAlterConfigs(topic, configs, opts.clientId), opts.timeoutMs));
}

const API_KEY_INCREMENTAL_ALTER_CONFIGS = 44;
const API_VERSION = 0;
const RESOURCE_TOPIC = 2;
const OPERATION_SET = 0;
const CORRELATION_ID = 1;

/** Request header v1 + IncrementalAlterConfigs v0 body, with the 4-byte size prefix. */
export function encodeIncrementalAlterConfigs(topic: string, configs: { readonly [name: string]: string }, clientId: string): Buffer {
  const w = new KafkaWriter();
  w.int16(API_KEY_INCREMENTAL_ALTER_CONFIGS).int16(API_VERSION).int32(CORRELATION_ID).string(clientId);
  w.int32(1).int8(RESOURCE_TOPIC).string(topic);
  const entries = Object.entries(configs);
  w.int32(entries.length);
  for (const [name, value] of entries) w.string(name).int8(OPERATION_SET).nullableString(value);
  w.int8(0); // validate_only
  return sizePrefixed(w.toBuffer());
}

/** Response (without size prefix): throws the first resource's error, naming the topic. */
export function decodeIncrementalAlterConfigs(buf: Buffer): void {
  const r = new KafkaReader(buf, 'IncrementalAlterConfigs');
  if (r.int32() !== CORRELATION_ID) throw new VisionFlowError('kafka IncrementalAlterConfigs: unexpected correlation id', { code: 'KAFKA_PROTOCOL', retriable: false });
  r.int32(); // throttle_time_ms
  for (let i = r.int32(); i > 0; i--) {
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    r.int8(); // resource_type
    const name = r.nullableString() ?? '';
    if (errorCode !== 0) {
      throw new VisionFlowError(`kafka IncrementalAlterConfigs ${name}: ${errorMessage ?? `error ${errorCode}`}`, { code: `KAFKA_BROKER_ERROR_${errorCode}`, retriable: false }, { topic: name });
    }
  }
}
