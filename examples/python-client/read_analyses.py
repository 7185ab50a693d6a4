#!/usr/bin/env python3
"""Reads a tenant's analyses from a vision-flow output topic with the standard Confluent Python client.

vision-flow writes Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)
and registers each topic's schemas under <topic>-key / <topic>-value, so confluent-kafka's
AvroDeserializer reads it through the registry's Confluent API (Apicurio: /apis/ccompat/v7).

    python read_analyses.py --brokers 127.0.0.1:9092 \
        --registry http://127.0.0.1:8081/apis/ccompat/v7 --topic analyses.acme --max 10

Prints one JSON object per record: {"topic", "partition", "offset", "key", "value"}.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--brokers", required=True)
    p.add_argument("--registry", required=True, help="the registry's Confluent API, e.g. http://host:8081/apis/ccompat/v7")
    p.add_argument("--topic", required=True, help="e.g. analyses.<tenant>")
    p.add_argument("--group", default="python-client-example")
    p.add_argument("--max", type=int, default=0, help="stop after this many records (0: run until idle)")
    p.add_argument("--idle", type=float, default=10.0, help="stop after this many seconds without a record")
    args = p.parse_args()

    # The client's HTTP timeout defaults to none. Its deserializer first asks the registry for
    # Confluent's associations API, which Apicurio does not have, and Apicurio 3.3.3 now and then
    # never answers such a path on a reused keep-alive connection: without a timeout the consumer
    # hangs for good. With one, the request fails after `timeout` seconds and the client retries.
    registry = SchemaRegistryClient({"url": args.registry, "timeout": 10, "max.retries": 3})
    # vision-flow names subjects <topic>-key / <topic>-value (TopicNameStrategy). Saying so skips the
    # associations lookup altogether (the default strategy, ASSOCIATED, asks for it on every new topic).
    topic_subjects = {"subject.name.strategy.type": "TOPIC"}
    deserialize_key = AvroDeserializer(registry, conf=topic_subjects)
    deserialize_value = AvroDeserializer(registry, conf=topic_subjects)

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
    })
    consumer.subscribe([args.topic])
    seen = 0
    last = time.monotonic()
    try:
        while (args.max == 0 or seen < args.max) and time.monotonic() - last < args.idle:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    continue  # the topic appears with the tenant's first result
                raise SystemExit(f"kafka error: {msg.error()}")
            key = deserialize_key(msg.key(), SerializationContext(msg.topic(), MessageField.KEY))
            value = deserialize_value(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))
            print(json.dumps({"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(), "key": key, "value": value}, default=str), flush=True)
            seen += 1
            last = time.monotonic()
    finally:
        consumer.close()
    print(f"read {seen} records from {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
