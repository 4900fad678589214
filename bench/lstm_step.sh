#!/usr/bin/env bash
# The LSTM step of docs/recurrent.md: streamfit's LstmStepBenchmark (JMH) and the same model in
# PyTorch (bench/pytorch_lstm_step.py), back to back on the same core, one thread each: sequences of
# 32 steps of 128 values, nn.LSTM(128, 128), last state -> nn.Linear(128, 10), cross-entropy, SGD,
# batch 64, float32. Prints examples/s of both and their ratio, for the training step and the
# forward pass. About 2 minutes.
#   ./mvnw -o -B -q -Pbench test-compile && bash bench/lstm_step.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=$(( $(nproc) - 1 ))
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c $cpu ./mvnw -o -B -q -Pbench exec:exec \
  -Djmh.args="LstmStepBenchmark -rf json -rff target/jmh-lstm.json" > target/jmh-lstm.log 2>&1 \
  || { tail -20 target/jmh-lstm.log; exit 1; }
echo "# load after JMH: $(cut -d' ' -f1-3 /proc/loadavg)"
: > target/pytorch-lstm.jsonl
for mode in "" --forward-only; do
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c $cpu /usr/bin/python3 bench/pytorch_lstm_step.py --threads 1 $mode \
    >> target/pytorch-lstm.jsonl
done
/usr/bin/python3 - <<'PY'
import json
ours = {r["benchmark"].rsplit(".", 1)[1]: r["primaryMetric"]["score"] * 64 for r in json.load(open("target/jmh-lstm.json"))}
torch = {json.loads(l)["mode"]: json.loads(l)["examples_per_s"] for l in open("target/pytorch-lstm.jsonl")}
print("| pass | streamfit examples/s | PyTorch examples/s | PyTorch / streamfit |")
print("|---|---|---|---|")
for mode in ("train", "forward"):
    print(f"| {mode} | {ours[mode]:.0f} | {torch[mode]:.0f} | {torch[mode] / ours[mode]:.2f} |")
PY
