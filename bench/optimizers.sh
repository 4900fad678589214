#!/usr/bin/env bash
# The per-optimizer table of docs/performance.md#every-optimizer-before-issue-13: streamfit's
# training step (JMH, every optimizer) and the same step in PyTorch, back to back on this machine,
# with the ratio of the two.
#   bash bench/optimizers.sh        (needs Debian's python3-torch and libopenblas0-pthread for PyTorch)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
./mvnw -B -q -Pbench test-compile exec:exec \
  -Djmh.args="-rf json -rff target/jmh-optimizers.json -wi 3 -w 1 -i 5 -r 2 TrainingStepBenchmark" >/dev/null
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_step.py --optimizers > target/torch-optimizers.txt
else
  echo "PyTorch not installed: apt-get install -y python3-torch libopenblas0-pthread"; : > target/torch-optimizers.txt
fi
python3 - <<'PY'
import json, re
torch = {}
for line in open("target/torch-optimizers.txt"):
    m = re.match(r"torch (\w+) batch (\d+): (\d+) examples/s", line)
    if m:
        torch[(m.group(1), int(m.group(2)))] = float(m.group(3))
rows = {}
for r in json.load(open("target/jmh-optimizers.json")):
    o, b = r["params"]["optimizer"], int(r["params"]["batch"])
    rows.setdefault(o, {})[b] = r["primaryMetric"]["score"] * b
print("| optimizer | " + " | ".join(f"batch {b}: streamfit / PyTorch" for b in (1, 16, 64, 256)) + " |")
print("|---|" + "---:|" * 4)
for o, by in rows.items():
    cells = []
    for b in (1, 16, 64, 256):
        s, t = by.get(b), torch.get((o, b))
        cells.append(f"{s:,.0f} / {t:,.0f} ({s / t:.2f}x)" if s and t else f"{s:,.0f}" if s else "")
    print(f"| {o} | " + " | ".join(cells) + " |")
PY
