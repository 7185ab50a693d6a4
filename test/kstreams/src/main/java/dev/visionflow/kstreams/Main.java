package dev.visionflow.kstreams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;

/**
 * The Kafka Streams peer: reads an input topic of Confluent-framed Avro records (key an Avro string,
 * value a record whose first field is a long) and runs the windowed aggregations given as {@code --agg}
 * arguments (see {@link AggregationSpec}). Every second ({@code --progress-ms}) it prints a JSON progress line on stdout:
 * {@code {"state":"RUNNING","processed":N,"dropped":D}} (D: Kafka Streams' dropped-records-total, e.g.
 * records late past grace); SIGTERM closes it cleanly (output flushed) and prints a last line with
 * {@code "closed":true}.
 *
 * <pre>
 * java -jar kstreams-peer.jar --brokers H:P --input TOPIC --app-id ID --state-dir DIR [--threads N]
 *      [--cache-bytes B] [--stores memory|rocksdb] [--progress-ms MS] --agg out=T,window=tumbling,size=10000,grace=2000,op=count,emit=final [--agg ...]
 * </pre>
 */
public final class Main {
  public static void main(String[] args) throws InterruptedException {
    String brokers = null, input = null, appId = null, stateDir = null;
    int threads = 1;
    long cacheBytes = 0;
    long progressMs = 1000;
    String stores = "memory";
    List<AggregationSpec> aggs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--brokers" -> brokers = v;
        case "--input" -> input = v;
        case "--app-id" -> appId = v;
        case "--state-dir" -> stateDir = v;
        case "--threads" -> threads = Integer.parseInt(v);
        case "--cache-bytes" -> cacheBytes = Long.parseLong(v);
        case "--stores" -> stores = v;
        case "--progress-ms" -> progressMs = Long.parseLong(v);
        case "--agg" -> aggs.add(AggregationSpec.parse(v));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    if (brokers == null || input == null || appId == null || stateDir == null || aggs.isEmpty()) {
      System.err.println("usage: --brokers H:P --input TOPIC --app-id ID --state-dir DIR [--threads N] [--cache-bytes B] [--stores memory|rocksdb] [--progress-ms MS] --agg SPEC [--agg SPEC...]");
      System.exit(2);
    }

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    // 0: no record cache, so emit-on-update forwards every change (vision-flow's emit 'update').
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    // In-memory stores (vision-flow's default) unless told otherwise. Kafka Streams' default, RocksDB,
    // opens a database per window-store segment: many on event time spread over hours.
    if (stores.equals("memory")) {
      props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    } else if (!stores.equals("rocksdb")) {
      throw new IllegalArgumentException("--stores must be memory or rocksdb, got " + stores);
    }
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    AtomicLong processed = new AtomicLong();
    // The metrics go with the tasks on close: the last line reports the highest count seen.
    AtomicLong dropped = new AtomicLong();
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Long> in = builder.stream(input, Consumed.with(ConfluentAvro.stringKey(), ConfluentAvro.firstLongField()))
        .peek((k, v) -> processed.incrementAndGet());
    for (AggregationSpec spec : aggs) WindowedAggregations.add(in, spec);

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      progress(streams, processed, dropped, true);
      closed.countDown();
    }));
    streams.start();
    while (!closed.await(progressMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      progress(streams, processed, dropped, false);
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) System.exit(1);
    }
  }

  private static synchronized void progress(KafkaStreams streams, AtomicLong processed, AtomicLong dropped, boolean closed) {
    double now = 0;
    for (Metric m : streams.metrics().values()) {
      if (m.metricName().name().equals("dropped-records-total") && m.metricValue() instanceof Double d) now += d;
    }
    long seen = dropped.accumulateAndGet((long) now, Math::max);
    System.out.printf("{\"state\":\"%s\",\"processed\":%d,\"dropped\":%d%s}%n", streams.state(), processed.get(), seen, closed ? ",\"closed\":true" : "");
    System.out.flush();
  }
}
