package dev.visionflow.bench;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A Kafka Streams pass-through app: every record of the input topic goes to the output topic as it
 * came (bytes in, bytes out), with Kafka Streams' defaults (at-least-once, commit.interval.ms 30 s,
 * its producer and consumer overrides) and N stream threads. Every second it prints a JSON line on
 * stdout, {@code {"state":"RUNNING","processed":N}}; SIGTERM closes it cleanly and prints a last line
 * with {@code "closed":true}.
 *
 * <pre>
 * java -jar kstreams-passthrough.jar --brokers H:P --input TOPIC --output TOPIC --app-id ID --state-dir DIR [--threads N]
 * </pre>
 */
public final class Passthrough {
  public static void main(String[] args) throws InterruptedException {
    String brokers = null, input = null, output = null, appId = null, stateDir = null;
    int threads = 2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--brokers" -> brokers = v;
        case "--input" -> input = v;
        case "--output" -> output = v;
        case "--app-id" -> appId = v;
        case "--state-dir" -> stateDir = v;
        case "--threads" -> threads = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (args.length % 2 != 0 || brokers == null || input == null || output == null || appId == null || stateDir == null) {
      System.err.println("usage: --brokers H:P --input TOPIC --output TOPIC --app-id ID --state-dir DIR [--threads N]");
      System.exit(2);
    }

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    // The input was written before the app started: read it from the start (the node does the same).
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    AtomicLong processed = new AtomicLong();
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .peek((k, v) -> processed.incrementAndGet())
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("stream thread failed: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      System.out.println("{\"state\":\"" + streams.state() + "\",\"processed\":" + processed.get() + ",\"closed\":true}");
      System.out.flush();
      closed.countDown();
    }));
    streams.start();
    while (closed.getCount() > 0) {
      System.out.println("{\"state\":\"" + streams.state() + "\",\"processed\":" + processed.get() + "}");
      System.out.flush();
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) System.exit(1);
      closed.await(1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
