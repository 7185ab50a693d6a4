import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/config-error.js';
import { ConnectionError } from '../../errors/connection-error.js';
import { PoisonRecordError } from '../../errors/poison-record-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { kafkaCodeName, mapKafkaError } from './map-kafka-error.js';
import { errorCodes } from './rdkafka.js';

const ERR = errorCodes();

const ctx = { address: '127.0.0.1:9092', operation: 'send', topic: 'images', partition: 3 };
const rd = (name: string, extra: object = {}) => ({ message: `librdkafka says ${name}`, code: ERR[name], ...extra });

interface Case {
  readonly name: string;
  readonly type: new (...args: never[]) => VisionFlowError;
  readonly code: string;
  readonly retriable: boolean;
}

describe('mapKafkaError', () => {
  it.each<Case>([
    { name: 'ERR__TRANSPORT', type: ConnectionError, code: 'CONNECTION_FAILED', retriable: true },
    { name: 'ERR__ALL_BROKERS_DOWN', type: ConnectionError, code: 'CONNECTION_FAILED', retriable: true },
    { name: 'ERR_SASL_AUTHENTICATION_FAILED', type: ConnectionError, code: 'CONNECTION_FAILED', retriable: false },
    { name: 'ERR__MSG_TIMED_OUT', type: TimeoutError, code: 'TIMEOUT', retriable: true },
    { name: 'ERR_MSG_SIZE_TOO_LARGE', type: PoisonRecordError, code: 'MESSAGE_TOO_LARGE', retriable: false },
    { name: 'ERR_RECORD_LIST_TOO_LARGE', type: PoisonRecordError, code: 'MESSAGE_TOO_LARGE', retriable: false },
    { name: 'ERR_INVALID_PARTITIONS', type: ConfigError, code: 'CONFIG_INVALID', retriable: false },
    { name: 'ERR_UNKNOWN_TOPIC_OR_PART', type: VisionFlowError, code: 'UNKNOWN_TOPIC', retriable: false },
    { name: 'ERR__UNKNOWN_PARTITION', type: VisionFlowError, code: 'UNKNOWN_PARTITION', retriable: false },
    { name: 'ERR_ILLEGAL_GENERATION', type: VisionFlowError, code: 'GROUP_REBALANCED', retriable: false },
    { name: 'ERR_NOT_COORDINATOR', type: VisionFlowError, code: 'KAFKA_NOT_COORDINATOR', retriable: true },
  ])('should map $name to $code (retriable: $retriable)', ({ name, type, code, retriable }) => {
    const e = mapKafkaError(rd(name), ctx);
    expect(e).toBeInstanceOf(type);
    expect(e).toMatchObject({ code, retriable });
    expect(e.context).toMatchObject({ address: '127.0.0.1:9092', operation: 'send', topic: 'images', partition: 3 });
  });

  it('should name the cluster, the operation and the librdkafka code in the message', () => {
    expect(mapKafkaError(rd('ERR_MSG_SIZE_TOO_LARGE'), ctx).message).toBe(
      'kafka 127.0.0.1:9092: send images/3 failed: librdkafka says ERR_MSG_SIZE_TOO_LARGE (MSG_SIZE_TOO_LARGE)',
    );
  });

  it('should treat any fatal error as non-retriable, whatever its code', () => {
    expect(mapKafkaError(rd('ERR__TRANSPORT', { isFatal: true }), ctx)).toMatchObject({ code: 'KAFKA_FATAL', retriable: false });
  });

  it("should follow librdkafka's retriable flag for codes it has no rule for", () => {
    expect(mapKafkaError(rd('ERR__FAIL', { isRetriable: false }), ctx)).toMatchObject({ code: 'KAFKA_FAIL', retriable: false });
  });

  it('should keep a VisionFlowError as it is and wrap plain errors', () => {
    const own = new ConfigError('mine');
    expect(mapKafkaError(own, ctx)).toBe(own);
    expect(mapKafkaError(new Error('Producer not connected'), ctx)).toMatchObject({ code: 'KAFKA_CLIENT_ERROR', retriable: false });
  });

  it('should name codes as librdkafka does, without the ERR_ prefix', () => {
    expect(kafkaCodeName(ERR['ERR__QUEUE_FULL'])).toBe('_QUEUE_FULL');
    expect(kafkaCodeName(10)).toBe('MSG_SIZE_TOO_LARGE');
    expect(kafkaCodeName(undefined)).toBe('UNKNOWN');
  });
});

describe('mapKafkaError for a fenced static member', () => {
  it('tells the user that two running copies share an instance id, and how to fix it', () => {
    const e = mapKafkaError(rd('ERR__FENCED', { isFatal: true }), { address: '127.0.0.1:9092', operation: 'poll', groupId: 'image-pipeline.objects' });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('another running copy of this node of group "image-pipeline.objects" joined with the same instance id');
    expect(e.message).toContain('give each running copy its own --instance-id / VF_INSTANCE_ID');
  });

  it('leaves a commit refused with FENCED_INSTANCE_ID (not fatal) to the rebalance handling', () => {
    expect(mapKafkaError(rd('ERR_FENCED_INSTANCE_ID'), { ...ctx, operation: 'commit' }).code).toBe('GROUP_REBALANCED');
  });
});
