#!/usr/bin/env bash
# The main job: build Lifeline, run the sample AI-agent app, protect its SQLite databases with
# Lifeline, then restore them and prove the restored state is consistent.
#
# Until the -javaagent lands, Lifeline runs here in sidecar mode (one `replicate` process per
# tenant database, as Litestream runs), replicating to a local directory replica.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO="${DEMO_DIR:-$PWD/demo}"
TENANTS="${TENANTS:-3}"
TURNS="${TURNS:-400}"
RATE="${RATE:-40}"
AGENT_JAR=agent/target/lifeline-agent.jar
APP_JAR=sample-agent-app/target/sample-agent-app.jar

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (mvn -DskipTests package)"
  mvn -B -q -ntp -DskipTests package
fi

rm -rf "$DEMO"
mkdir -p "$DEMO/replica" "$DEMO/restored" "$DEMO/logs"
lifeline() { java -jar "$AGENT_JAR" "$@"; }

echo "== starting the sample agent app: $TENANTS tenants, $TURNS turns each at $RATE turns/s"
java -jar "$APP_JAR" run --data "$DEMO/data" --tenants "$TENANTS" --turns "$TURNS" --rate "$RATE" \
  >"$DEMO/logs/app.log" 2>&1 &
app=$!

pids=()
cleanup() { kill "${pids[@]}" "$app" 2>/dev/null || true; }
trap cleanup EXIT

for i in $(seq 1 "$TENANTS"); do
  db=""
  for _ in $(seq 1 200); do
    db=$(find "$DEMO/data/tenants" -name agent.db 2>/dev/null | sort | sed -n "${i}p" || true)
    [[ -n "$db" ]] && break
    sleep 0.05
  done
  [[ -n "$db" ]] || { echo "the app did not create tenant database #$i" >&2; exit 1; }
  tenant=$(basename "$(dirname "$db")")
  # java directly (not the shell function) so $! is the replicator itself and SIGTERM reaches it.
  java -jar "$AGENT_JAR" replicate --db "$db" --replica "$DEMO/replica/$tenant" \
    >"$DEMO/logs/replicate-$tenant.log" 2>&1 &
  pids+=($!)
  echo "   replicating $db -> $DEMO/replica/$tenant"
done

wait "$app"
echo "== the app finished: $(tail -1 "$DEMO/logs/app.log")"
kill -TERM "${pids[@]}"
wait "${pids[@]}" || true
pids=()

echo "== restoring every tenant from its replica"
for replica in "$DEMO"/replica/*; do
  tenant=$(basename "$replica")
  mkdir -p "$DEMO/restored/tenants/$tenant"
  lifeline restore --replica "$replica" -o "$DEMO/restored/tenants/$tenant/agent.db"
done

echo "== verifying the replicas and the restored databases"
for replica in "$DEMO"/replica/*; do lifeline verify --replica "$replica" >/dev/null; done
java -jar "$APP_JAR" verify --data "$DEMO/restored" --db-only

cat <<MSG

Replicas are in:     $DEMO/replica/<tenant>   (a local directory: it does not survive the loss of this disk)
Restored copies in:  $DEMO/restored/tenants/<tenant>/agent.db
Restore one yourself:
  java -jar $AGENT_JAR restore --replica $DEMO/replica/<tenant> -o /tmp/agent.db
  java -jar $AGENT_JAR restore --replica $DEMO/replica/<tenant> -o /tmp/agent-then.db --timestamp 2026-01-01T00:00:00Z
Inspect:  java -jar $AGENT_JAR generations|snapshots|segments|verify --replica $DEMO/replica/<tenant>
MSG
