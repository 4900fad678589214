#!/usr/bin/env bash
# The residual-vs-plain figures and table in docs/landscape.md (Li et al. 2018, Fig. 5): one deep
# MLP on Fashion-MNIST, plain and with its hidden layers in residual blocks (the same layers, the
# same parameters, optimizer, seed and batches), each trained by `train` on one pass over the
# 60,000 training images, then `landscape` on the first 1,000 test images (never trained on):
# two filter-normalized directions, a 25 x 25 grid over [-1, 1]^2, sharpness by at most 100 power
# iterations to a relative change of 1e-5 (the default 1e-3 can stop early on a cross-entropy
# Hessian: docs/landscape.md). At 8 hidden blocks (10 dense layers) with training seeds 1, 2, 3, and at 2 and 20
# blocks with seed 1 (RUNS="blocks:seed ..." to change; the first run is the figure's). Writes
# docs/figures/landscape-plain.svg and landscape-residual.svg and prints the table. About 7
# minutes on 2 cores.
#   ./mvnw -o -B -q package -DskipTests && bash bench/landscape_residual.sh /tmp/landscape
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/landscape}
mkdir -p "$dir" docs/figures
[ -f "$dir/train.jsonl" ] || /usr/bin/python3 examples/fashion_mnist_jsonl.py "$dir"
started=$(date +%s)

# The specs: 784 -> 128, then B x [layer_norm, relu, dense 128] (pre-norm, as He et al. 2016's
# pre-activation blocks and bench/fashion_regularization.sh), then layer_norm, relu, dense 10.
# "residual" wraps each of the B blocks as x + block(x); nothing else differs.
spec() { # kind blocks seed
  /usr/bin/python3 - "$@" <<'PY'
import sys
kind, blocks, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dense = "{type: dense, units: %d, weight_init: {type: kaiming_uniform, nonlinearity: relu}}"
layers = ["  - " + dense % 128]
for _ in range(blocks):
    if kind == "plain":
        layers += ["  - {type: layer_norm}", "  - {type: relu}", "  - " + dense % 128]
    else:
        layers += ["  - type: residual", "    layers: [{type: layer_norm}, {type: relu}, " + dense % 128 + "]"]
layers += ["  - {type: layer_norm}", "  - {type: relu}", "  - {type: dense, units: 10}"]
print(f"""id: deep-{kind}-{blocks}
topic: fashion.examples
input_width: 784
task: {{type: classification, classes: 10}}
layers:
{chr(10).join(layers)}
optimizer: {{type: sgd, lr: 0.05, momentum: 0.9}}
schedule: {{type: cosine, T_max: {60000 // 64}, eta_min: 0.0005, warmup: {{steps: 50}}}}
batch_size: 64
seed: {seed}""")
PY
}

# blocks:seed; the first is the figure's. Three training seeds at 8 blocks; 2 and 20 blocks once.
runs=${RUNS:-"8:1 8:2 8:3 2:1 20:1"}
jar=target/quarkus-app/quarkus-run.jar
for run in $runs; do
  blocks=${run%:*} seed=${run#*:}
  for kind in plain residual; do
    name="$kind-b$blocks-s$seed"
    spec "$kind" "$blocks" "$seed" > "$dir/$name.yaml"
    java -jar "$jar" train --spec "$dir/$name.yaml" --data "$dir/train.jsonl" --test "$dir/test.jsonl" \
      --out "$dir/$name.safetensors" --metrics "$dir/$name-train.json" 2>&1 | tail -1 | cut -c1-200 >&2
    java -jar "$jar" landscape --spec "$dir/$name.yaml" --model "$dir/$name.safetensors" --data "$dir/test.jsonl" \
      --rows 1000 --directions 2 --points 25 --span 1 --iterations 100 --tolerance 1e-5 --seed 0 \
      --out "$dir/$name-landscape.json" 2>&1 |
      tail -1 >&2
  done
done

first=${runs%% *} blocks=${first%:*} seed=${first#*:}
/usr/bin/python3 bench/landscape_svg.py \
  --plot "$dir/plain-b$blocks-s$seed-landscape.json" docs/figures/landscape-plain.svg \
    "plain: $((blocks + 2)) dense layers, layer norm, ReLU" \
  --plot "$dir/residual-b$blocks-s$seed-landscape.json" docs/figures/landscape-residual.svg \
    "residual: the same, the $blocks hidden blocks as x + f(x)"

/usr/bin/python3 - "$dir" $runs <<'PY'
import json, sys
d = sys.argv[1]
print("| model | hidden blocks | seed | parameters | test accuracy | train s | center loss | λ_max (iterations) "
      "| loss at α = -1 / -0.5 / +0.5 / +1 | landscape s | s per 10⁹ multiply-adds |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for run in sys.argv[2:]:
    blocks, seed = run.split(":")
    for kind in ("plain", "residual"):
        name = f"{d}/{kind}-b{blocks}-s{seed}"
        t = json.load(open(name + "-train.json"))["final"]
        l = json.load(open(name + "-landscape.json"))
        a, loss = l["line"]["alphas"], l["line"]["loss"]
        at = lambda v: loss[min(range(len(a)), key=lambda i: abs(a[i] - v))]
        s = l["sharpness"]
        # the work done: every loss evaluation, and 3 forward passes' worth per gradient taken
        evaluations = 1 + len(a) + len(a) ** 2 + 3 * s["gradient_evaluations"]
        work = evaluations * l["rows"] * l["parameters"]
        print("| %s | %s | %s | %d | %.4f | %.1f | %.4f | %.3g (%d%s) | %.3f / %.3f / %.3f / %.3f | %.1f | %.3f |" % (
            kind, blocks, seed, l["parameters"], t["test_accuracy"], t["seconds"], l["center_loss"], s["lambda_max"],
            s["iterations"], "" if s["converged"] else ", not converged", at(-1), at(-0.5), at(0.5), at(1),
            l["seconds"], l["seconds"] / work * 1e9))
PY
echo "total: $(( $(date +%s) - started )) s (after the conversion)" >&2
