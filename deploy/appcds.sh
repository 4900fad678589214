#!/usr/bin/env bash
# Builds an AppCDS archive for the packaged service: the classes a start with the demo loads
# (Quarkus, the embedded Kafka broker, ND4J, Jackson...), pre-parsed and verified once, so the
# next start maps them instead of loading them from the jars.
#
#   ./mvnw -B package -DskipTests && bash deploy/appcds.sh            # writes target/quarkus-app/streamfit.jsa
#   java -XX:SharedArchiveFile=target/quarkus-app/streamfit.jsa -jar target/quarkus-app/quarkus-run.jar
#
# It starts the service once as the README's two commands do (embedded broker, demo stream and
# model), waits until /q/health/ready answers 200, and stops it: the JVM writes the archive as it
# exits (-XX:ArchiveClassesAtExit, JDK 13+). The archive belongs to this JDK build and this
# class path: after a new package or another JDK, build it again (a stale archive is refused
# by the JVM with a warning, and the service starts without it).
set -euo pipefail
APP=${1:-target/quarkus-app}
JSA="$APP/streamfit.jsa"
[ -f "$APP/quarkus-run.jar" ] || { echo "appcds: no $APP/quarkus-run.jar: run ./mvnw -B package -DskipTests first" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
LOG=$(mktemp /tmp/streamfit-appcds.XXXXXX.log)
rm -f "$JSA"
java -XX:ArchiveClassesAtExit="$JSA" -Dquarkus.http.port="$PORT" -jar "$APP/quarkus-run.jar" > "$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 1800); do  # at most 180 s
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/health/ready" && break
  kill -0 $pid 2>/dev/null || { echo "appcds: the service exited before it was ready; its log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/health/ready" || { kill $pid; echo "appcds: not ready after 180 s; log: $LOG" >&2; exit 1; }
kill -TERM $pid
wait $pid || true   # the exit code of a service stopped by SIGTERM is not the archive's verdict
[ -s "$JSA" ] || { echo "appcds: no archive written; log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
rm -f "$LOG"
echo "appcds: wrote $JSA ($(( $(stat -c %s "$JSA") / 1048576 )) MB); start with: java -XX:SharedArchiveFile=$JSA -jar $APP/quarkus-run.jar"
