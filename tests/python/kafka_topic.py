"""Reads a Kafka topic with kafka-python, an independent client, for the tansu round trip
(tests/integration/kafka.rs): every partition from its beginning to the end offset it had when
reading started, then stop. Prints one JSON line per message: its partition, offset and key,
the ids of the records it holds (an Event Hub envelope's records' `properties.id`, or an NDJSON
record's `id`), their categories (an envelope's records' `category`; none for NDJSON), and the
partition Kafka's default partitioner (murmur2 of the key) picks.

usage: kafka_topic.py HOST:PORT TOPIC
"""

import json
import sys

from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2


def ids_of(message):
    if isinstance(message, dict) and "records" in message:
        return [record["properties"]["id"] for record in message["records"]]
    return [message["id"]]


def categories_of(message):
    if isinstance(message, dict) and "records" in message:
        return [record["category"] for record in message["records"]]
    return []


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=10000,
        request_timeout_ms=30000,
    )
    partitions = sorted(consumer.partitions_for_topic(topic) or [])
    if not partitions:
        sys.exit(f"no partitions for topic {topic}")
    assigned = [TopicPartition(topic, p) for p in partitions]
    consumer.assign(assigned)
    consumer.seek_to_beginning(*assigned)
    # Read until the topic stays quiet rather than to end_offsets(): tansu 0.6 answers
    # ListOffsets(latest) below its last record, so end offsets would stop the read early.
    # The topic is written before this runs, so two empty polls in a row mean its end.
    quiet = 0
    while quiet < 2:
        batch = consumer.poll(timeout_ms=2000)
        if not batch:
            quiet += 1
            continue
        quiet = 0
        for tp, messages in sorted(batch.items(), key=lambda item: item[0].partition):
            for m in messages:
                key = m.key.decode()
                message = json.loads(m.value)
                print(json.dumps({
                    "partition": m.partition,
                    "offset": m.offset,
                    "key": key,
                    "ids": ids_of(message),
                    "categories": categories_of(message),
                    "default_partition": (murmur2(m.key) & 0x7FFFFFFF) % len(partitions),
                }))
    consumer.close()


if __name__ == "__main__":
    main()
