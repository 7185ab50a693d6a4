// @vision-flow/core: the whole public surface. Anything not exported here is internal.

// --- Records
export { StreamRecord, record, isStreamRecord, describeSource, type Rec, type RecordSource, type StreamRecordInit } from './records/record.js';
export { HeaderNames, EMPTY_HEADERS, mergeHeaders, type Headers } from './records/headers.js';

// --- Cross-cutting types
export { toMillis, parseRate, type Duration, type Rate, type JsonValue } from './types.js';

// --- Errors
export * from './errors/index.js';

// --- Option checks
export { checkPositiveInt } from './options/check-positive-int.js';
export { settlesWithin } from './internal/delay.js';

// --- Retry
export { retry, isRetriable, backoffDelay, type RetryOptions, type RetryListener, type Bail } from './retry/retry.js';
export { DEFAULT_RETRY, WEBHOOK_RETRY } from './retry/defaults.js';

// --- Avro schemas
export { avro, toAvroJson, isAvroSchema, type AvroSchema, type AvroJson, type AvroJsonObject, type Infer } from './serde/avro/schema.js';

// --- Transport
export type {
  Transport, TransportAdmin, TransportProducer, TransportConsumer, TopicPartition, TopicPartitionOffset, TopicSpec, TopicDescription, TopicState,
  OutgoingMessage, IncomingMessage, DeliveryReport, ProducerOptions, ConsumerOptions, RebalanceListener, TransportReader,
} from './transport/transport.js';
export { MemoryTransport, type MemoryTransportOptions } from './transport/memory/memory-transport.js';
export { KafkaTransport, KAFKA_DEFAULTS, type KafkaTransportOptions } from './transport/kafka/index.js';
export { NamespacedTransport, checkNamespace } from './transport/namespaced/namespaced-transport.js';
export { topicConfigs, MANAGED_TOPIC_CONFIGS } from './transport/topic-configs.js';

// --- Provisioning (vision-flow plan / apply)
export { topologyTopics, type ProvisionedTopic, type ProvisionedRole } from './provisioning/topology-topic-specs.js';
export { planProvisioning, type PlanOptions } from './provisioning/plan-provisioning.js';
export { planSubjects } from './provisioning/plan-subjects.js';
export { applyProvisioning, type ApplyOptions } from './provisioning/apply-provisioning.js';
export { planHasChanges, incompatibleSubjects, type ProvisioningPlan, type TopicPlan, type SubjectPlan, type TopicChange } from './provisioning/provisioning-plan.js';

// --- DSL
export { named, operatorName } from './dsl/named.js';
export { topic, assertTopicName, DEFAULT_PARTITIONS, DEFAULT_MAX_MESSAGE_BYTES, type Topic, type TopicOptions, type AnyTopic } from './dsl/topic.js';
export { topology, isTopology, Topology, type NodeDefinition } from './dsl/topology.js';
export { perTenant, topicPerRecord, isTopicRouter, type TopicRouter, type AnyTopicRouter, type PerTenantOptions, type TopicPerRecordOptions } from './dsl/topic-router.js';
export { NodeBuilder, NodeStream, NodeEnd, outputTopics, type NodePlan, type NodeInput, type RecOfTopic } from './dsl/node-stream.js';
export { repartitionTopicName, type GroupByOptions } from './dsl/repartition.js';
export { resolveNodeOptions, type NodeOptions, type Ordering, type ResolvedNodeOptions } from './dsl/node-options.js';
export { withContext, localContext, type OperatorContext, type OperatorMeasure, type Params } from './dsl/operator-context.js';
export { RunResources } from './dsl/run-resources.js';
export { param, isParam, resolveParam, describeParam, type Param, type ParamOr } from './dsl/param.js';
export { changelogTopicName, describeTopology, type TopologyDescription, type NodeDescription, type TopicDescriptionEntry, type TopicRole } from './dsl/describe.js';
export type { Source, SourceReader, SourceEnvelope, SourceContext, Outcome } from './dsl/source.js';

// --- Processors (stateful operators)
export type { Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Cancellable } from './processor/processor.js';
export { stateful, processorSupplierOf, type StatefulOperator } from './processor/stateful.js';

// --- State stores
export type { StateStore, StoreBuilder, StoreContext } from './state/state-store.js';
export type { KeyValueStore, ReadOnlyKeyValueStore } from './state/key-value-store.js';
export type { WindowStore, ReadOnlyWindowStore, WindowedValue } from './state/window-store.js';
export { keyValueStore, windowStore, type KeyValueStoreOptions, type WindowStoreOptions } from './state/stores.js';
export { storeKeyId } from './state/store-key.js';
export { sessionStore, type SessionStore, type SessionKey, type SessionStoreOptions } from './state/session-store.js';

// --- Serde and schema registry
export { AvroSerde } from './serde/avro/avro-serde.js';
export { TopicSerde } from './serde/topic-serde.js';
export { SerdeError } from './serde/serde-error.js';
export type { SchemaRegistry, RegisteredVersion } from './serde/avro/schema-registry.js';
export { InMemorySchemaRegistry } from './serde/avro/in-memory-schema-registry.js';
export { ConfluentSchemaRegistry, type ConfluentSchemaRegistryOptions } from './serde/avro/confluent-schema-registry.js';
export { NamespacedSchemaRegistry } from './serde/avro/namespaced-schema-registry.js';
export { SchemaIncompatibleError } from './serde/avro/schema-incompatible-error.js';
export { readProblems, compatibilityProblems, sameSchema, type CompatibilityLevel, type Incompatibility } from './serde/avro/compatibility.js';

// --- Runtime
export { TopologyRunner, type TopologyRunnerOptions, type NodeState, type NodeStats } from './runtime/topology-runner.js';
export { DeadLetterSchema, deadLetterTopic, type DeadLetter } from './runtime/dead-letter.js';

// --- Query views (the read side of a running topology's stores)
export { QueryViews, type QueryViewsOptions } from './query/query-views.js';

// --- Node HTTP server, metrics, readiness (docs/observability.md)
export { NodeHttpServer, type HttpRoutes, type HttpAnswer } from './query/node-http-server.js';
export { NodeMetrics, type NodeMetricsOptions } from './metrics/node-metrics.js';
export { NodeReadiness, type Readiness } from './metrics/node-readiness.js';
export { NodeEndpoints } from './metrics/node-endpoints.js';
export { parseTraceparent, w3cTraceIdOf, type TraceParent } from './records/traceparent.js';
export { InstanceDirectory, type InstanceDirectoryOptions } from './query/instance-directory.js';
export { instancesTopicName, type InstanceInfo } from './query/instances-topic.js';

// --- Instrumentation
export { InstrumentationEmitter } from './instrumentation/emitter.js';
export { events, type EventName, type EventPayloads, type InstrumentationEvent } from './instrumentation/events.js';

// --- Windows
export type { TimeWindow, FixedWindows, Windows } from './windows/window.js';
export { tumbling, TumblingWindows } from './windows/tumbling.js';
export { hopping, HoppingWindows } from './windows/hopping.js';
export { session, SessionWindows } from './windows/session.js';
export { sliding, SlidingWindows } from './windows/sliding.js';

// --- Aggregations (per key and per window)
export { count } from './aggregate/count.js';
export { reduce } from './aggregate/reduce.js';
export { aggregate } from './aggregate/aggregate.js';
export type { AggregateOptions, ValueOptions, WindowedOptions, EmitMode } from './aggregate/aggregate-options.js';
export { windowedBy } from './aggregate/windowed-by.js';
export { TimeWindowedAggregations, type TimeWindowedOptions } from './aggregate/time-windowed.js';
export { SessionWindowedAggregations, type SessionValue } from './aggregate/session-windowed.js';
export type { EventTime } from './aggregate/event-time.js';
export { windowedKey, type Windowed } from './aggregate/windowed-key.js';
export type { Timestamped } from './aggregate/timestamped.js';

// --- Schema tooling: what `vision-flow schemas` and `vision-flow tail` are built on
export { topologySubjects, type TopologySubject } from './runtime/topology-subjects.js';
export { WriterSchemaDecoder } from './serde/avro/writer-schema-decoder.js';
