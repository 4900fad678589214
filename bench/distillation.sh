#!/usr/bin/env bash
# The distillation table in docs/drift.md: a small student (784-32-10) on Fashion-MNIST, one pass,
# trained alone and distilled from the demo model (src/main/resources/demo/fashion-mnist.yaml,
# 784-256-256-10) after three passes, through the train command; seeds 1, 2, 3 (the student's
# initialization). Test accuracy on the 10,000 test images. About 3 minutes on 2 cores.
#   ./mvnw -q package -DskipTests && bash bench/distillation.sh /tmp/fmnist
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/fmnist}
mkdir -p "$dir"
[ -f "$dir/train.jsonl" ] || /usr/bin/python3 examples/fashion_mnist_jsonl.py "$dir"
[ -f "$dir/train3.jsonl" ] || cat "$dir/train.jsonl" "$dir/train.jsonl" "$dir/train.jsonl" > "$dir/train3.jsonl"
run() { # spec data out -> "prequential test"
  java -jar target/quarkus-app/quarkus-run.jar train --spec "$1" --data "$2" --test "$dir/test.jsonl" --out "$3" 2>&1 | tail -1 |
    python3 -c 'import json,sys; l=sys.stdin.read(); d=json.loads(l[l.index("{"):]); print("%.4f %.4f" % (d["prequential_accuracy"], d["test_accuracy"]))'
}
if [ ! -f "$dir/teacher.safetensors" ]; then
  echo "teacher (demo model, 3 passes): $(run src/main/resources/demo/fashion-mnist.yaml "$dir/train3.jsonl" "$dir/teacher.safetensors")" >&2
fi
student() { # seed, extra lines
  cat <<YAML
id: student
topic: fashion.examples
input_width: 784
task: {type: classification, classes: 10}
layers:
  - {type: dense, units: 32}
  - {type: relu}
  - {type: dense, units: 10}
optimizer: {type: adam, lr: 0.001}
batch_size: 64
seed: $1
$2
YAML
}
declare -A variants=(
  ["alone"]=""
  ["distilled, T 4, alpha 0.5"]="distillation: {teacher: {file: $dir/teacher.safetensors}, temperature: 4.0, alpha: 0.5}"
  ["distilled, T 2, alpha 0.1"]="distillation: {teacher: {file: $dir/teacher.safetensors}, temperature: 2.0, alpha: 0.1}"
)
echo "| student 784-32-10, one pass | prequential accuracy (seeds 1, 2, 3) | test accuracy (seeds 1, 2, 3) | mean test accuracy |"
echo "|---|---:|---:|---:|"
for name in "alone" "distilled, T 4, alpha 0.5" "distilled, T 2, alpha 0.1"; do
  preq=(); test=()
  for seed in 1 2 3; do
    student "$seed" "${variants[$name]}" > "$dir/student.yaml"
    read -r p t < <(run "$dir/student.yaml" "$dir/train.jsonl" "$dir/student.safetensors")
    preq+=("$p"); test+=("$t")
  done
  mean=$(python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print('%.4f' % (sum(v)/len(v)))" "${test[@]}")
  echo "| $name | ${preq[*]} | ${test[*]} | $mean |"
done
