package dev.visionflow.kstreams;

import static java.time.Duration.ofMillis;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindowedKStream;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindowedKStream;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;

/**
 * Adds one windowed aggregation to the topology: the plain Kafka Streams DSL, nothing tuned, so the
 * results are what a Kafka Streams user gets. Output records: key {@code <key>@<start>-<end>}
 * (Kafka Streams' Window.start() and end() in epoch ms: end exclusive for tumbling and hopping,
 * inclusive for sliding and session windows), value the count or sum as a decimal string, or null
 * (a tombstone, e.g. a session merged away).
 */
final class WindowedAggregations {
  private WindowedAggregations() {}

  static void add(KStream<String, Long> input, AggregationSpec spec) {
    KGroupedStream<String, Long> grouped = input.groupByKey(Grouped.with(Serdes.String(), Serdes.Long()));
    KTable<Windowed<String>, Long> table = switch (spec.window()) {
      case "tumbling" -> aggregate(grouped.windowedBy(TimeWindows.ofSizeAndGrace(ofMillis(spec.size()), ofMillis(spec.grace()))), spec);
      case "hopping" -> aggregate(
          grouped.windowedBy(TimeWindows.ofSizeAndGrace(ofMillis(spec.size()), ofMillis(spec.grace())).advanceBy(ofMillis(spec.advance()))), spec);
      case "sliding" -> aggregate(grouped.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(ofMillis(spec.size()), ofMillis(spec.grace()))), spec);
      case "session" -> aggregate(grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(ofMillis(spec.size()), ofMillis(spec.grace()))), spec);
      default -> throw new IllegalArgumentException("unknown window " + spec.window());
    };
    if (spec.isFinal()) table = table.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()));
    table
        .toStream()
        .map((wk, v) -> KeyValue.pair(wk.key() + "@" + wk.window().start() + "-" + wk.window().end(), v == null ? null : Long.toString(v)))
        .to(spec.out(), Produced.with(Serdes.String(), Serdes.String()));
  }

  private static KTable<Windowed<String>, Long> aggregate(TimeWindowedKStream<String, Long> windowed, AggregationSpec spec) {
    Materialized<String, Long, org.apache.kafka.streams.state.WindowStore<org.apache.kafka.common.utils.Bytes, byte[]>> store =
        Materialized.with(Serdes.String(), Serdes.Long());
    return spec.op().equals("count") ? windowed.count(store) : windowed.aggregate(() -> 0L, (k, v, sum) -> sum + v, store);
  }

  private static KTable<Windowed<String>, Long> aggregate(SessionWindowedKStream<String, Long> windowed, AggregationSpec spec) {
    Materialized<String, Long, org.apache.kafka.streams.state.SessionStore<org.apache.kafka.common.utils.Bytes, byte[]>> store =
        Materialized.with(Serdes.String(), Serdes.Long());
    return spec.op().equals("count")
        ? windowed.count(store)
        : windowed.aggregate(() -> 0L, (k, v, sum) -> sum + v, (k, a, b) -> a + b, store);
  }
}
