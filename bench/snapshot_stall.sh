#!/usr/bin/env bash
# How long training stops for a snapshot of the 269,322-parameter demo MLP (Adam state, 3.2 MB),
# measured in the running packaged service: the demo (embedded broker, Fashion-MNIST at 4,000
# examples/s) with a snapshot every 20 steps, then streamfit_snapshot_duration_seconds (the stall:
# waiting for the commit before, if any, encoding and handing over) and
# streamfit_snapshot_commit_duration_seconds (send, offsets and commit on the commit thread, while
# training goes on) from /q/metrics.
#   bash bench/snapshot_stall.sh [seconds]     (after ./mvnw -B package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-40}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed -e 's/^snapshot: .*/snapshot: {every_steps: 20}/' src/main/resources/demo/fashion-mnist.yaml > "$dir/demo-fashion-mnist.yaml" 2>/dev/null \
  || { echo "no demo spec at src/main/resources/demo/fashion-mnist.yaml"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
java -Xmx1g -Dquarkus.http.port=$port -Dstreamfit.models-dir="$dir" -Dstreamfit.demo.enabled=true \
  -Dstreamfit.demo.examples-per-second=4000 -jar target/quarkus-app/quarkus-run.jar > "$dir/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/q/health/ready)" = 200 ] && break; sleep 0.5
done
sleep "$secs"
curl -s -H 'Accept: text/plain; version=0.0.4' http://127.0.0.1:$port/q/metrics \
  | grep -E '^streamfit_snapshot_(commit_)?duration_seconds_(count|sum|max|bucket)' | grep 'demo-fashion-mnist' > "$dir/m.txt" || true
python3 - "$dir/m.txt" <<'PY'
import re, sys
def read(metric):
    m, buckets = {}, []
    for line in open(sys.argv[1]):
        name, value = line.rsplit(" ", 1)
        if not name.startswith(metric + "_"):
            continue
        if "_bucket" in name:
            buckets.append((float(re.search(r'le="([^"]+)"', name).group(1).replace("+Inf", "inf")), float(value)))
        else:
            m[name.split("{")[0].rsplit("_", 1)[-1]] = float(value)
    return m, buckets
for metric, what in (("streamfit_snapshot_duration_seconds", "stall"), ("streamfit_snapshot_commit_duration_seconds", "commit")):
    m, buckets = read(metric)
    n = m.get("count", 0)
    if n == 0:
        if what == "stall":
            sys.exit("no snapshot was committed: see the service log")
        continue  # a service from before the commit thread
    print(f"snapshots: {n:.0f}, mean {what} {1000 * m['sum'] / n:.1f} ms, max {1000 * m['max']:.1f} ms")
    for le, c in sorted(buckets):
        if c >= n / 2:
            print(f"median {what} <= {1000 * le:.1f} ms (histogram bucket)")
            break
PY
