import { ConfigError } from '../../errors/config-error.js';
import { ConnectionError } from '../../errors/connection-error.js';
import { PoisonRecordError } from '../../errors/poison-record-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { VisionFlowError, errorMessage, isVisionFlowError, type ErrorContext } from '../../errors/vision-flow-error.js';
import { codesOf, errorCodes } from './rdkafka.js';

/** Where a librdkafka error happened; it becomes the error's context and message prefix. */
export interface KafkaErrorContext {
  /** The bootstrap servers, so every error names the cluster. */
  readonly address: string;
  /** What was being done, e.g. `send`, `commit`, `createTopics`. */
  readonly operation: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly groupId?: string;
  readonly timeoutMs?: number;
}

/** The fields of a librdkafka error we rely on (LibrdKafkaError, or a plain Error from the JS layer). */
interface RdError {
  readonly message?: string;
  readonly code?: number;
  readonly isFatal?: boolean;
  readonly isRetriable?: boolean;
}

/** Code → name; for aliases (NOT_COORDINATOR = NOT_COORDINATOR_FOR_GROUP) the current, shorter name wins. */
function namesByCode(): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, code] of Object.entries(errorCodes())) {
    const short = name.replace(/^ERR_/, '');
    const seen = names.get(code);
    if (seen === undefined || short.length < seen.length) names.set(code, short);
  }
  return names;
}

/** librdkafka's codes by what they mean to the runtime. Made per error, so that nothing here loads the binding before a Kafka client does. */
function codeKinds() {
  return {
    /** The broker cannot be reached (or refused us): the whole cluster is the problem, not the call. */
    connection: codesOf('ERR__TRANSPORT', 'ERR__ALL_BROKERS_DOWN', 'ERR__RESOLVE', 'ERR__DESTROY_BROKER'),
    auth: codesOf('ERR__AUTHENTICATION', 'ERR__SSL', 'ERR_SASL_AUTHENTICATION_FAILED', 'ERR_TOPIC_AUTHORIZATION_FAILED',
      'ERR_GROUP_AUTHORIZATION_FAILED', 'ERR_CLUSTER_AUTHORIZATION_FAILED', 'ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED'),
    timeout: codesOf('ERR__TIMED_OUT', 'ERR__MSG_TIMED_OUT', 'ERR__TIMED_OUT_QUEUE', 'ERR_REQUEST_TIMED_OUT'),
    /** This record will never fit: retrying cannot help, the runtime dead-letters it. */
    tooLarge: codesOf('ERR_MSG_SIZE_TOO_LARGE', 'ERR_RECORD_LIST_TOO_LARGE', 'ERR_INVALID_RECORD'),
    noTopic: codesOf('ERR_UNKNOWN_TOPIC_OR_PART', 'ERR__UNKNOWN_TOPIC', 'ERR_UNKNOWN_TOPIC_ID'),
    noPartition: codesOf('ERR__UNKNOWN_PARTITION'),
    /** Bad topic settings or names given by the user. */
    badConfig: codesOf('ERR_INVALID_CONFIG', 'ERR_POLICY_VIOLATION', 'ERR_INVALID_PARTITIONS', 'ERR_INVALID_REPLICATION_FACTOR',
      'ERR_TOPIC_EXCEPTION', 'ERR_INVALID_REPLICA_ASSIGNMENT', 'ERR__INVALID_ARG', 'ERR_INVALID_REQUEST'),
    /** The group moved on (rebalance, expired member): the commit is lost but the next generation re-reads. */
    groupMoved: codesOf('ERR_REBALANCE_IN_PROGRESS', 'ERR_ILLEGAL_GENERATION', 'ERR_UNKNOWN_MEMBER_ID', 'ERR__ASSIGNMENT_LOST',
      'ERR_FENCED_INSTANCE_ID', 'ERR_STALE_MEMBER_EPOCH', 'ERR_FENCED_MEMBER_EPOCH', 'ERR__MAX_POLL_EXCEEDED'),
  };
}

/** librdkafka's name of a code without the `ERR_` prefix, e.g. `MSG_SIZE_TOO_LARGE`, `_TRANSPORT`. */
export function kafkaCodeName(code: number | undefined): string {
  return code === undefined ? 'UNKNOWN' : namesByCode().get(code) ?? String(code);
}

/**
 * Turns a librdkafka error into the VisionFlowError subclass the runtime acts on: ConnectionError
 * (retriable), TimeoutError (retriable), PoisonRecordError `MESSAGE_TOO_LARGE` (never retried; the
 * record goes to the dead-letter topic), ConfigError, or a VisionFlowError coded `KAFKA_<NAME>` whose
 * `retriable` follows librdkafka's own verdict. The message names the cluster and the operation.
 */
export function mapKafkaError(error: unknown, ctx: KafkaErrorContext): VisionFlowError {
  if (isVisionFlowError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as RdError;
  const code = typeof e.code === 'number' ? e.code : undefined;
  const name = kafkaCodeName(code);
  const where = [ctx.topic, ctx.partition].filter((x) => x !== undefined && x !== -1).join('/');
  const message = `kafka ${ctx.address}: ${ctx.operation}${where ? ` ${where}` : ''} failed: ${e.message ?? errorMessage(error)}${code === undefined ? '' : ` (${name})`}`;
  const context: ErrorContext = {
    address: ctx.address, operation: ctx.operation, topic: ctx.topic, partition: ctx.partition, groupId: ctx.groupId, kafkaCode: name,
  };
  if (code === undefined) return new VisionFlowError(message, { code: 'KAFKA_CLIENT_ERROR', retriable: false, cause: error }, context);
  const codes = errorCodes();
  const kinds = codeKinds();
  const fatal = e.isFatal === true || code === codes['ERR__FATAL'];
  if (code === codes['ERR__FENCED'] || (code === codes['ERR_FENCED_INSTANCE_ID'] && fatal) || (fatal && /fenced/i.test(e.message ?? ''))) {
    const group = ctx.groupId ? ` of group "${ctx.groupId}"` : '';
    return new ConfigError(`${message}: another running copy of this node${group} joined with the same instance id (static membership), so the broker fenced this one; give each running copy its own --instance-id / VF_INSTANCE_ID`, context, error);
  }
  if (fatal) return new VisionFlowError(message, { code: 'KAFKA_FATAL', retriable: false, cause: error }, context);
  if (kinds.connection.has(code)) {
    // At start-up the likely fix is the user's: say it, as the registry's error does.
    const hint = ctx.operation.startsWith('connect') ? '; is the broker running (bash scripts/stack.sh start) and --brokers / VF_BROKERS right?' : '';
    return new ConnectionError(message + hint, context, error);
  }
  if (kinds.auth.has(code)) return new ConnectionError(message, context, error, false);
  if (kinds.timeout.has(code)) {
    const t = new TimeoutError(message, ctx.timeoutMs ?? 0, context);
    Object.defineProperty(t, 'cause', { value: error, enumerable: false });
    return t;
  }
  if (kinds.tooLarge.has(code)) return new PoisonRecordError('MESSAGE_TOO_LARGE', message, context, error);
  if (kinds.badConfig.has(code)) return new ConfigError(message, context, error);
  // The same codes the memory transport raises, so callers handle both alike.
  if (kinds.noTopic.has(code)) return new VisionFlowError(message, { code: 'UNKNOWN_TOPIC', retriable: false, cause: error }, context);
  if (kinds.noPartition.has(code)) return new VisionFlowError(message, { code: 'UNKNOWN_PARTITION', retriable: false, cause: error }, context);
  if (kinds.groupMoved.has(code)) return new VisionFlowError(message, { code: 'GROUP_REBALANCED', retriable: false, cause: error }, context);
  return new VisionFlowError(message, { code: `KAFKA${name.startsWith('_') ? '' : '_'}${name}`, retriable: e.isRetriable ?? true, cause: error }, context);
}

/** A call with arguments no broker would take; the memory transport's code for the same mistake. */
export function invalidArgument(message: string, context: ErrorContext = {}): VisionFlowError {
  return new VisionFlowError(message, { code: 'INVALID_ARGUMENT', retriable: false }, context);
}

/** A client used after `close()`: `PRODUCER_CLOSED`, `CONSUMER_CLOSED` or `TRANSPORT_CLOSED`. */
export function closedError(what: 'producer' | 'consumer' | 'reader' | 'transport', address: string): VisionFlowError {
  return new VisionFlowError(`kafka ${address}: the ${what} is closed`, { code: `${what.toUpperCase()}_CLOSED`, retriable: false }, { address });
}

/** Whether an error is librdkafka's `code` (by name, e.g. `ERR_TOPIC_ALREADY_EXISTS`). */
export function hasKafkaCode(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as RdError).code === errorCodes()[name];
}
