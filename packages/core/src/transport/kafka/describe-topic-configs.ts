import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { KafkaReader, KafkaWriter, requestAnyBroker, sizePrefixed } from './kafka-wire.js';

/**
 * Reads topic configs with one Kafka DescribeConfigs (v1) request over a plain TCP connection.
 *
 * Why by hand: the native binding of @confluentinc/kafka-javascript 1.x exposes no DescribeConfigs
 * (its KafkaJS layer has none either), yet `describeTopic` must tell a compacted topic. The request
 * is tiny and version 1 is supported by every broker since Kafka 1.1 (4.x dropped only v0). It speaks
 * PLAINTEXT only; clusters behind TLS/SASL need the binding to grow DescribeConfigs.
 */
export async function describeTopicConfigs(
  brokers: readonly string[],
  topics: readonly string[],
  configNames: readonly string[],
  opts: { clientId: string; timeoutMs: number },
): Promise<Map<string, Map<string, string | null>>> {
  return decodeDescribeConfigs(await requestAnyBroker(brokers, 'DescribeConfigs', encodeDescribeConfigs(topics, configNames, opts.clientId), opts.timeoutMs));
}

const API_KEY_DESCRIBE_CONFIGS = 32;
const API_VERSION = 1;
const RESOURCE_TOPIC = 2;
const CORRELATION_ID = 1;

/** Request header v1 + DescribeConfigs v1 body, with the 4-byte size prefix. */
export function encodeDescribeConfigs(topics: readonly string[], configNames: readonly string[], clientId: string): Buffer {
  const w = new KafkaWriter();
  w.int16(API_KEY_DESCRIBE_CONFIGS).int16(API_VERSION).int32(CORRELATION_ID).string(clientId);
  w.int32(topics.length);
  for (const t of topics) {
    w.int8(RESOURCE_TOPIC).string(t).int32(configNames.length);
    for (const n of configNames) w.string(n);
  }
  w.int8(0); // include_synonyms
  return sizePrefixed(w.toBuffer());
}

/** Response (without size prefix): topic → config name → value. A per-topic error throws. */
export function decodeDescribeConfigs(buf: Buffer): Map<string, Map<string, string | null>> {
  const r = new KafkaReader(buf, 'DescribeConfigs');
  if (r.int32() !== CORRELATION_ID) throw new VisionFlowError('kafka DescribeConfigs: unexpected correlation id', { code: 'KAFKA_PROTOCOL', retriable: false });
  r.int32(); // throttle_time_ms
  const out = new Map<string, Map<string, string | null>>();
  for (let i = r.int32(); i > 0; i--) {
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    r.int8(); // resource_type
    const name = r.nullableString() ?? '';
    const configs = new Map<string, string | null>();
    for (let j = r.int32(); j > 0; j--) {
      const key = r.nullableString() ?? '';
      const value = r.nullableString();
      r.int8(); // read_only
      r.int8(); // config_source
      r.int8(); // is_sensitive
      for (let k = r.int32(); k > 0; k--) {
        r.nullableString();
        r.nullableString();
        r.int8();
      }
      configs.set(key, value);
    }
    if (errorCode !== 0) {
      // 3 = UNKNOWN_TOPIC_OR_PARTITION: the caller treats the topic as absent.
      if (errorCode === 3) continue;
      throw new VisionFlowError(`kafka DescribeConfigs ${name}: ${errorMessage ?? `error ${errorCode}`}`, { code: `KAFKA_BROKER_ERROR_${errorCode}`, retriable: false });
    }
    out.set(name, configs);
  }
  return out;
}
