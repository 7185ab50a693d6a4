package dev.visionflow.kstreams;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Reads just what the peer needs from Confluent-framed Avro (magic byte 0, 4-byte schema id, Avro
 * binary): a key that is an Avro {@code string}, and the first field of a value record, an Avro
 * {@code long} (the generator's {@code amount}). Avro's binary encoding of both is a zig-zag varint
 * (the string's is its byte length), so no Avro library or registry call is needed.
 */
final class ConfluentAvro {
  private ConfluentAvro() {}

  /** Serde of input keys: framed Avro string in, Java string out (the peer never writes this format). */
  static Serde<String> stringKey() {
    return Serdes.serdeFrom(unsupported(), (topic, data) -> data == null ? null : readString(data));
  }

  /** Serde of input values: framed Avro record in, its first field (a long) out. */
  static Serde<Long> firstLongField() {
    return Serdes.serdeFrom(unsupported(), (topic, data) -> data == null ? null : readLong(data, new int[] {headerEnd(data)}));
  }

  static String readString(byte[] data) {
    int[] pos = {headerEnd(data)};
    long len = readLong(data, pos);
    if (len < 0 || pos[0] + len > data.length) throw new SerializationException("bad Avro string length " + len);
    return new String(data, pos[0], (int) len, StandardCharsets.UTF_8);
  }

  private static int headerEnd(byte[] data) {
    if (data.length < 5 || data[0] != 0) throw new SerializationException("not Confluent-framed Avro (magic byte 0 + schema id)");
    return 5;
  }

  /** Zig-zag varint at pos[0]; advances pos[0] past it. */
  static long readLong(byte[] data, int[] pos) {
    long raw = 0;
    int shift = 0;
    while (true) {
      if (pos[0] >= data.length || shift > 63) throw new SerializationException("truncated Avro long");
      int b = data[pos[0]++] & 0xff;
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    return (raw >>> 1) ^ -(raw & 1);
  }

  private static <T> Serializer<T> unsupported() {
    return (topic, value) -> {
      throw new UnsupportedOperationException("the peer only reads Confluent-framed Avro");
    };
  }
}
