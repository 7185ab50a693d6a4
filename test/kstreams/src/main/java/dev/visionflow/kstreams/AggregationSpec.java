package dev.visionflow.kstreams;

import java.util.HashMap;
import java.util.Map;

/**
 * One windowed aggregation of the peer, from a command-line argument of comma-separated
 * {@code name=value} pairs:
 *
 * <pre>
 *   out=&lt;topic&gt;,window=tumbling|hopping|sliding|session,size=&lt;ms&gt;[,advance=&lt;ms&gt;],grace=&lt;ms&gt;,op=count|sum,emit=final|update
 * </pre>
 *
 * {@code size} is the window size (tumbling, hopping), the maximum time difference (sliding) or the
 * inactivity gap (session); {@code advance} is the hop of a hopping window.
 */
record AggregationSpec(String out, String window, long size, long advance, long grace, String op, String emit) {
  static AggregationSpec parse(String arg) {
    Map<String, String> kv = new HashMap<>();
    for (String part : arg.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected name=value in aggregation '" + arg + "', got '" + part + "'");
      kv.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
    }
    String window = need(kv, "window", arg);
    AggregationSpec spec = new AggregationSpec(
        need(kv, "out", arg),
        window,
        Long.parseLong(need(kv, "size", arg)),
        window.equals("hopping") ? Long.parseLong(need(kv, "advance", arg)) : 0,
        Long.parseLong(need(kv, "grace", arg)),
        need(kv, "op", arg),
        need(kv, "emit", arg));
    if (!window.matches("tumbling|hopping|sliding|session")) throw new IllegalArgumentException("unknown window '" + window + "'");
    if (!spec.op.matches("count|sum")) throw new IllegalArgumentException("unknown op '" + spec.op + "'");
    if (!spec.emit.matches("final|update")) throw new IllegalArgumentException("unknown emit '" + spec.emit + "'");
    return spec;
  }

  private static String need(Map<String, String> kv, String name, String arg) {
    String v = kv.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("aggregation '" + arg + "' lacks " + name + "=");
    return v;
  }

  boolean isFinal() {
    return emit.equals("final");
  }
}
