/**
 * Where integration tests find the real broker and schema registry. `scripts/stack.sh env` prints
 * matching `export VF_BROKERS=… VF_REGISTRY=…` lines for a stack started on other ports.
 */

/** Bootstrap servers of the test Kafka cluster: `VF_BROKERS`, default `127.0.0.1:9092`. */
export function kafkaBrokers(): string {
  return process.env['VF_BROKERS']?.trim() || '127.0.0.1:9092';
}

/** Base URL of the Confluent-compatible registry API: `VF_REGISTRY`, default Apicurio's ccompat v7 on 8081. */
export function registryUrl(): string {
  return process.env['VF_REGISTRY']?.trim() || 'http://127.0.0.1:8081/apis/ccompat/v7';
}
