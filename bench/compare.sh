#!/usr/bin/env bash
# The step tables of docs/performance.md (before issue 13): streamfit's training step (JMH) and
# the same step in PyTorch, measured back to back on this machine so that their ratio means
# something on a noisy host.
#   bash bench/compare.sh            (needs Debian's python3-torch and libopenblas0-pthread for PyTorch)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
./mvnw -B -q -Pbench test-compile exec:exec -Djmh.args="-rf json -rff target/jmh-step.json TrainingStepBenchmark -p optimizer=adam" \
  | grep -E '^(Benchmark|TrainingStepBenchmark)'
python3 - <<'PY'
import json
for r in json.load(open("target/jmh-step.json")):
    b = int(r["params"]["batch"]); s = r["primaryMetric"]["score"]; e = r["primaryMetric"]["scoreError"]
    print(f"streamfit batch {b:4d}: {s*b:10.0f} examples/s (+/- {e*b:.0f}, JMH 99.9% CI)")
PY
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_step.py
else
  echo "PyTorch not installed: apt-get install -y python3-torch libopenblas0-pthread"
fi
