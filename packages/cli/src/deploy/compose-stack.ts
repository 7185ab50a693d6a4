/**
 * Kafka and the schema registry as services of a generated compose file: the versions and broker
 * settings of the repository's docker-compose.yml (test/deploy checks they agree), with a second
 * listener, `kafka:19092`, that the node containers use inside the compose network, while
 * 127.0.0.1:9092 stays published for the CLI on the host.
 */
export const KAFKA_IMAGE = 'apache/kafka:4.3.1';
export const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';
/** How node containers reach the broker and the registry inside the compose network. */
export const COMPOSE_BROKERS = 'kafka:19092';
export const COMPOSE_REGISTRY = 'http://registry:8080/apis/ccompat/v7';

export function kafkaService(): object {
  return {
    image: KAFKA_IMAGE,
    ports: ['127.0.0.1:9092:9092'],
    environment: {
      CLUSTER_ID: 'pfru7qsMQcSI2Grl8nZghQ',
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:19092,CONTROLLER://localhost:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:9092,INTERNAL://kafka:19092',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      KAFKA_LOG_DIRS: '/var/lib/kafka/data',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_DEFAULT_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_BROKER_SESSION_TIMEOUT_MS: '4000',
      KAFKA_BROKER_HEARTBEAT_INTERVAL_MS: '1000',
      KAFKA_MESSAGE_MAX_BYTES: '16777216',
      KAFKA_REPLICA_FETCH_MAX_BYTES: '16777216',
      KAFKA_HEAP_OPTS: '-Xmx512m -Xms512m',
    },
    volumes: ['kafka-data:/var/lib/kafka/data'],
    healthcheck: {
      test: ['CMD-SHELL', '/opt/kafka/bin/kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --list >/dev/null'],
      interval: '5s',
      timeout: '20s',
      retries: 18,
      start_period: '10s',
    },
    restart: 'unless-stopped',
  };
}

export function registryService(): object {
  return {
    image: REGISTRY_IMAGE,
    ports: ['127.0.0.1:8081:8080', '127.0.0.1:9081:9000'],
    environment: {
      JAVA_OPTS_APPEND: '-Xmx512m',
      QUARKUS_OTEL_SDK_DISABLED: 'true',
      APICURIO_USAGE_TELEMETRY_ENABLED: 'false',
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_STORAGE_SQL_KIND: 'h2',
      APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: 'false',
      APICURIO_CCOMPAT_USE_CANONICAL_HASH: 'true',
      APICURIO_CCOMPAT_MAX_SUBJECTS: '100000',
      APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD',
      APICURIO_REST_DELETION_GROUP_ENABLED: 'true',
      APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
      APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
    },
    healthcheck: {
      test: ['CMD-SHELL', "bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'"],
      interval: '5s',
      timeout: '5s',
      retries: 24,
      start_period: '10s',
    },
    restart: 'unless-stopped',
  };
}
