#!/usr/bin/env bash
# The table of augmentation and residual blocks on Fashion-MNIST in docs/train-command.md:
# examples/fashion-best.yaml with one change each, through the train command, on (a) one pass over
# the 60,000 training images and (b) the first 5,000 images replayed 12 times (a stream that
# repeats itself, where a model can overfit). Test accuracy on the 10,000 test images. About 10
# minutes on 2 cores.
#   ./mvnw -q package -DskipTests && bash bench/fashion_regularization.sh /tmp/fmnist
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/fmnist}
mkdir -p "$dir"
[ -f "$dir/train.jsonl" ] || /usr/bin/python3 examples/fashion_mnist_jsonl.py "$dir"
[ -f "$dir/replay.jsonl" ] || { head -5000 "$dir/train.jsonl" > "$dir/first5000.jsonl"
  for _ in $(seq 12); do cat "$dir/first5000.jsonl"; done > "$dir/replay.jsonl"; }
best=examples/fashion-best.yaml
variant() { # name, lines to add after "seed: 1"
  sed "s/^seed: 1\$/seed: 1\n$2/" "$best" > "$dir/$1.yaml"
}
cp "$best" "$dir/best.yaml"
variant shift1 'input_shape: [28, 28, 1]\naugmentation: {shift: 1}'
variant shift2 'input_shape: [28, 28, 1]\naugmentation: {shift: 2}'
variant flip 'input_shape: [28, 28, 1]\naugmentation: {horizontal_flip: true}'
variant mixup 'augmentation: {mixup: {alpha: 0.2}}'
variant shift1_mixup 'input_shape: [28, 28, 1]\naugmentation: {shift: 1, mixup: {alpha: 0.2}}'
# Two residual blocks (pre-norm: layer norm, ReLU, dense) in place of the second hidden layer.
python3 - "$best" "$dir/residual.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
block = ("  - type: residual\n    layers: [{type: layer_norm}, {type: relu}, "
         "{type: dense, units: 256, weight_init: {type: kaiming_uniform, nonlinearity: relu}}]\n")
start = text.index("  - {type: layer_norm}")
end = text.index("  - {type: dense, units: 10}")
open(sys.argv[2], "w").write(text[:start] + block + block + "  - {type: layer_norm}\n  - {type: relu}\n" + text[end:])
PY
echo "| change to fashion-best.yaml | one pass: prequential / test accuracy | 5,000 images x 12: prequential / test accuracy |"
echo "|---|---:|---:|"
for v in best shift1 shift2 flip mixup shift1_mixup residual; do
  row="| $v |"
  for data in train replay; do
    summary=$(java -jar target/quarkus-app/quarkus-run.jar train --spec "$dir/$v.yaml" --data "$dir/$data.jsonl" \
      --test "$dir/test.jsonl" --out "$dir/$v-$data.safetensors" 2>&1 | tail -1)
    row="$row $(python3 -c 'import json,sys; l=sys.argv[1]; d=json.loads(l[l.index("{"):]); print("%.3f / %.3f" % (d["prequential_accuracy"], d["test_accuracy"]))' "$summary") |"
  done
  echo "$row"
done
