#!/usr/bin/env bash
# The main job: build Lifeline, run the sample AI-agent app with the Lifeline agent attached
# (-javaagent, no other configuration: the embedded default replica), then restore every tenant
# database from the replica and prove with the app's own verifier that the restored state is
# consistent.
#
# The agent's state (and so its embedded default replica) goes to $DEMO/state instead of
# ~/.lifeline, so that each run starts clean; that is the only setting given.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO="${DEMO_DIR:-$PWD/demo}"
TENANTS="${TENANTS:-3}"
TURNS="${TURNS:-400}"
RATE="${RATE:-40}"
AGENT_JAR=$PWD/agent/target/lifeline-agent.jar
APP_JAR=$PWD/sample-agent-app/target/sample-agent-app.jar

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (mvn -DskipTests package)"
  mvn -B -q -ntp -DskipTests package
fi

rm -rf "$DEMO"
mkdir -p "$DEMO/restored" "$DEMO/logs"
STATE="$DEMO/state"
REPLICA="$STATE/replica"
lifeline() { java -jar "$AGENT_JAR" "$@"; }

echo "== running the sample agent app with -javaagent:$AGENT_JAR"
echo "   $TENANTS tenants, $TURNS turns each at $RATE turns/s; the app knows nothing of Lifeline"
java -Dlifeline.state-dir="$STATE" -javaagent:"$AGENT_JAR" \
  -jar "$APP_JAR" run --data "$DEMO/data" --tenants "$TENANTS" --turns "$TURNS" --rate "$RATE" \
  >"$DEMO/logs/app.out" 2>"$DEMO/logs/app.err"
grep '^\[lifeline\]' "$DEMO/logs/app.err" | sed 's/^/   /'
echo "== the app finished: $(tail -1 "$DEMO/logs/app.out")"

echo "== the databases in the replica"
lifeline databases --replica "$REPLICA" | sed 's/^/   /'

echo "== restoring every tenant database from the replica"
for db in "$DEMO"/data/tenants/*/agent.db; do
  path=$(realpath "$db")
  tenant=$(basename "$(dirname "$db")")
  name=$(lifeline databases --replica "$REPLICA" | awk -v p="$path" '$2 == p { print $1 }')
  [[ -n "$name" ]] || { echo "the replica holds no copy of $path" >&2; exit 1; }
  mkdir -p "$DEMO/restored/tenants/$tenant"
  lifeline restore --replica "$REPLICA" --db "$name" -o "$DEMO/restored/tenants/$tenant/agent.db" >/dev/null
  echo "   $tenant: $path -> $name -> $DEMO/restored/tenants/$tenant/agent.db"
done

echo "== verifying the replica and the restored databases"
for name in $(lifeline databases --replica "$REPLICA" | awk 'NR > 1 { print $1 }'); do
  echo "   $name: $(lifeline verify --replica "$REPLICA" --db "$name" | tail -1)"
done
java -jar "$APP_JAR" verify --data "$DEMO/restored" --db-only

cat <<MSG

The replica is in:   $REPLICA
                     (the embedded default: on this machine's disk, so it does not survive the loss of the
                     disk; point LIFELINE_REPLICA or -Dlifeline.replica at s3://bucket/prefix for that)
Restored copies in:  $DEMO/restored/tenants/<tenant>/agent.db
Restore one yourself:
  java -jar $AGENT_JAR databases --replica $REPLICA
  java -jar $AGENT_JAR restore --replica $REPLICA --db <NAME> -o /tmp/agent.db
  java -jar $AGENT_JAR restore --replica $REPLICA --db <NAME> -o /tmp/then.db --timestamp 2026-01-01T00:00:00Z
Protect a JVM that is already running:  java -jar $AGENT_JAR attach <pid>
MSG
