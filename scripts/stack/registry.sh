# shellcheck shell=bash
# The schema registry (Apicurio): launch, health, configuration and a smoke test. Sourced by scripts/stack.sh, which sets the configuration.

# ---------------------------------------------------------------------------------------------
# Apicurio Registry
# ---------------------------------------------------------------------------------------------
registry_running() { pid_alive "$REGISTRY_PID" "quarkus-run.jar"; }
registry_healthy() { registry_running && curl -sf -m 5 -o /dev/null "$REGISTRY_URL/subjects"; }

launch_registry() {
  local java jar
  java=$(registry_java)
  jar=$REGISTRY_HOME/$(<"$REGISTRY_HOME/.installed")
  for p in "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT"; do
    port_open "$p" && die "port $p is already in use by another process (not this stack's registry; set VF_REGISTRY_PORT / VF_REGISTRY_MGMT_PORT)"
  done
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$REGISTRY_STATE/tmp"
  if [[ -f $REGISTRY_LOG ]] && (( $(stat -c %s "$REGISTRY_LOG") > 50 * 1024 * 1024 )); then mv -f "$REGISTRY_LOG" "$REGISTRY_LOG.1"; fi
  echo "==== $(date -Is) stack.sh: starting Apicurio Registry $APICURIO_VERSION with $java" >>"$REGISTRY_LOG"
  local heap opts
  read -r -a heap <<<"$REGISTRY_HEAP_OPTS"
  opts=(
    "${heap[@]}" -XX:+ExitOnOutOfMemoryError
    -Djava.io.tmpdir="$REGISTRY_STATE/tmp"
    # Loopback only: the API port and Quarkus' management (health/metrics) port.
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT"
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT"
    # The shipped log format has a typo ("YYYY-MMx-dd"); use a readable one.
    "-Dquarkus.log.console.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n"
    # No outbound traffic: OpenTelemetry SDK off, SerDes usage telemetry off, no event sinks.
    -Dquarkus.otel.sdk.disabled=true
    -Dapicurio.usage.telemetry.enabled=false
    -Dapicurio.events.ksink=
    -Dapicurio.events.kafka.config.bootstrap.servers=
    # Storage: the default in-memory H2 database (state is lost on stop; that is intended).
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
    # Confluent-like ccompat API: ids are content ids (same schema -> same id, across subjects),
    # identity by canonical form, no 1000-subject cap, BACKWARD as the default compatibility.
    -Dapicurio.ccompat.legacy-id-mode.enabled=false
    -Dapicurio.ccompat.use-canonical-hash=true
    -Dapicurio.ccompat.max-subjects=100000
    -Dapicurio.rules.global.compatibility=BACKWARD
    # DELETE /subjects/... (soft and ?permanent=true) needs deletion enabled (off by default).
    -Dapicurio.rest.deletion.group.enabled=true
    -Dapicurio.rest.deletion.artifact.enabled=true
    -Dapicurio.rest.deletion.artifact-version.enabled=true
  )
  # Run from the state dir so that nothing is written next to the cached jars.
  (cd "$REGISTRY_STATE" && exec setsid nohup "$java" "${opts[@]}" -jar "$jar" >>"$REGISTRY_LOG" 2>&1 </dev/null 6>&- 7>&- 8>&- 9>&-) &
  echo $! >"$REGISTRY_PID"
  REGISTRY_T0=$(now)
  say "registry starting (pid $!), log: $REGISTRY_LOG"
}

await_registry() {
  local deadline=$((SECONDS + REGISTRY_START_TIMEOUT)) t0=${REGISTRY_T0:-$(now)}
  until curl -sf -m 5 -o /dev/null "$REGISTRY_URL/subjects"; do
    pid_exists "$REGISTRY_PID" || { tail -n 30 "$REGISTRY_LOG" >&2; die "registry exited during startup (log: $REGISTRY_LOG)"; }
    if (( SECONDS >= deadline )); then
      tail -n 30 "$REGISTRY_LOG" >&2
      die "registry did not answer $REGISTRY_URL/subjects within ${REGISTRY_START_TIMEOUT}s (log: $REGISTRY_LOG)"
    fi
    sleep 0.5
  done
  say "registry ready on $REGISTRY_URL after $(elapsed "$t0") s"
  registry_configure
  registry_smoke_test
}

# curl wrapper: prints the body, fails on HTTP >= 400 with the body in the message.
reg() { # reg <method> <path> [json]
  local out code
  out=$(curl -sS -m 10 -X "$1" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        ${3:+--data "$3"} -w '\n%{http_code}' "$REGISTRY_URL$2") || die "registry request $1 $2 failed"
  code=${out##*$'\n'}; out=${out%$'\n'*}
  (( code < 400 )) || die "registry $1 $2 -> HTTP $code: $out"
  printf '%s' "$out"
}

registry_configure() {
  # Confluent's default global compatibility is BACKWARD. apicurio.rules.global.compatibility
  # already gives that; set it explicitly if the property was ignored (e.g. a future version).
  if ! reg GET /config | grep -q '"BACKWARD"'; then
    reg PUT /config '{"compatibility":"BACKWARD"}' >/dev/null
  fi
}

registry_smoke_test() {
  # Register, read back, re-register (same id), then delete soft + permanent so the registry is clean.
  local s=vf-smoke-value body id id2
  body='{"schema":"{\"type\":\"record\",\"name\":\"Smoke\",\"namespace\":\"vf\",\"fields\":[{\"name\":\"ok\",\"type\":\"boolean\"}]}"}'
  id=$(reg POST "/subjects/$s/versions" "$body" | sed -nE 's/.*"id": *([0-9]+).*/\1/p')
  [[ -n $id ]] || die "registry smoke test: register returned no id"
  reg GET "/schemas/ids/$id" | grep -q 'Smoke' || die "registry smoke test: GET /schemas/ids/$id"
  id2=$(reg POST "/subjects/$s/versions" "$body" | sed -nE 's/.*"id": *([0-9]+).*/\1/p')
  [[ $id == "$id2" ]] || die "registry smoke test: re-registering gave id $id2, expected $id"
  reg DELETE "/subjects/$s" >/dev/null
  reg DELETE "/subjects/$s?permanent=true" >/dev/null
  say "registry smoke test ok (schema id $id, re-register same id, subject deleted)"
}
