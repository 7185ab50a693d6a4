#!/bin/sh
# patch-kafka-binding.sh [NODE_MODULES]: applies patches/kafka-javascript-1.10.1-*.patch, in order,
# to @confluentinc/kafka-javascript's sources and rebuilds its addon incrementally (~15 s: the
# binding's own files and the link; librdkafka is not rebuilt). Idempotent; a binding of another
# version, or one without its sources (a trimmed image), is left as it is: the patch changes how
# fast consume(n) hands messages to JavaScript, not what it hands over.
#
# Why: the binding turns every consumed message into a JS object by setting each property from C++
# under a fresh name, which V8 takes through its slow runtime path, and copies key and value into
# two Buffers of their own (a malloc, a copy and a backing store each). `perf` put that at 19 % of a
# windowed-aggregation node's CPU. Patched, consume(n) hands a batch over as one flat array of each
# message's fields, which lib/kafka-consumer.js turns into the same message objects (V8 caches their
# shape there), the topic string is made once per batch, and keys and values up to 4 KiB share one
# ArrayBuffer of up to 16 KiB (as Node's own Buffer pool does). Same objects, same bytes; ~30 % less
# CPU per record for the node (docs/performance.md, "Windows").
#
# The second patch adds produceFlat(): produce() with headers as one flat [name, value, ...] array.
# produce() reads each header as an object of one property (an own-property-names array and two
# std::string copies per header); kafka-producer.ts uses produceFlat when the binding has it.
#
# The third patches the librdkafka the binding builds (deps/librdkafka, rebuilt incrementally too):
# - a partition resumed (after a pause of ours, or after librdkafka's own pause of every fetcher
#   during an incremental rebalance) wakes its broker thread, which otherwise could sleep up to a
#   second before fetching it: a member's kept partitions stalled ~1 s at every rebalance;
# - the main thread wakes at least twice per heartbeat interval, which is where the classic group
#   protocol sends heartbeats: an idle member heard of a rebalance up to a second late whatever
#   heartbeat.interval.ms said. docs/performance.md, "Transport", has the traces.
#
# The fourth (on top of the first) hands a consumed message's headers over the same way: one flat
# [name, value, ...] array, read in place through librdkafka's C API (the C++ get_all() copies every
# name and value), names made once per batch; lib/kafka-consumer.js makes the documented
# [{ name: value }] objects of it. Headers are on every record a vision-flow node reads from another
# (provenance, trace context): made from C++ they cost a downstream node ~2 µs per record
# (bench/passthrough-node.ts --input-headers, docs/performance.md).
#
# The fifth (on top of the second) has produceFlat() call librdkafka's C API itself: the headers go
# into a C list sized to fit and the topic's name is read from the stack, where RdKafka::Headers and
# the C++ produce() made a wrapper object and three heap copies of the topic name per message.
#
# The sixth (on top of the fifth) gives librdkafka a headers list made in one allocation
# (rd_kafka_headers_new_packed), which produceFlat() sizes to its headers. librdkafka's broker
# thread frees a produced message's headers, and glibc makes every allocation freed by another
# thread costly: the usual list costs two allocations plus one per header (four for two headers).
# Every output of a vision-flow node carries two (provenance, trace context).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
patches="$here/../patches/kafka-javascript-1.10.1-consume-batch.patch $here/../patches/kafka-javascript-1.10.1-produce-flat-headers.patch $here/../patches/kafka-javascript-1.10.1-librdkafka-wakeups.patch $here/../patches/kafka-javascript-1.10.1-consume-headers-flat.patch $here/../patches/kafka-javascript-1.10.1-produce-flat-c-api.patch $here/../patches/kafka-javascript-1.10.1-librdkafka-packed-headers.patch"
pkg="${1:-node_modules}/@confluentinc/kafka-javascript"
log() { printf 'patch-kafka-binding: %s\n' "$*" >&2; }

if [ ! -f "$pkg/src/common.cc" ] || [ ! -d "$pkg/build" ]; then
  log "no binding sources or build folder at $pkg; left as it is"
  exit 0
fi
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -1)
if [ "$version" != "1.10.1" ]; then
  log "the patches are for @confluentinc/kafka-javascript 1.10.1, this is $version; left as it is"
  exit 0
fi
# The patches are a stack, each applied on top of those before it (the fourth changes lines the first
# added, so the first no longer comes out cleanly once the fourth is in): the newest that comes out
# cleanly tells how many are in already (and built); the rest are applied now and built below.
set -- $patches
in=0
k=$#
while [ "$k" -gt 0 ]; do
  eval "top=\${$k}"
  if patch -p1 -d "$pkg" -R --dry-run -s -f < "$top" >/dev/null 2>&1; then
    in=$k
    break
  fi
  k=$((k - 1))
done
applied=""
k=0
for patch_file in $patches; do
  k=$((k + 1))
  [ "$k" -gt "$in" ] || continue
  if ! patch -p1 -d "$pkg" --dry-run -s -f < "$patch_file" >/dev/null 2>&1; then
    for p in $applied; do patch -p1 -d "$pkg" -R -s -f < "$p"; done
    log "$(basename "$patch_file") does not apply to $pkg (changed by hand?); reinstall it (npm ci) and run this again"
    exit 1
  fi
  patch -p1 -d "$pkg" -s -f < "$patch_file"
  applied="$patch_file $applied" # newest first: the order to take them back out
done
[ -n "$applied" ] || exit 0
jobs=$(nproc 2>/dev/null || echo 2)
# librdkafka first (its own make, as the binding's build runs it), then the addon, relinked against it.
build() {
  case "$applied" in
    *librdkafka*)
      make -C "$pkg/deps/librdkafka" -j"$jobs" libs install-subdirs || return 1 # (set -e does not apply inside `if`)
      rm -f "$pkg/build/Release/confluent-kafka-javascript.node" "$pkg/build/Release/obj.target/confluent-kafka-javascript.node" ;; # relinked (a static librdkafka is in it)
  esac
  make -C "$pkg/build" BUILDTYPE=Release -j"$jobs"
}
log "rebuilding the addon with the patches"
if ! build >/dev/null 2>"$pkg/build/vf-patch-build.log"; then
  for p in $applied; do patch -p1 -d "$pkg" -R -s -f < "$p"; done
  log "the addon did not build with the patches (see $pkg/build/vf-patch-build.log); sources restored, rebuild with npm rebuild @confluentinc/kafka-javascript"
  exit 1
fi
