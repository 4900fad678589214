#!/usr/bin/env bash
# The adding problem (Hochreiter & Schmidhuber 1997), T = 50: sequences of 50 steps of (value,
# marker), the target the sum of the two marked values (bench/adding_problem.py writes them; always
# answering 1 scores MSE 1/6 = 0.167). One LSTM (hidden 64) and a dense head, trained by `train`
# in one pass over EXAMPLES examples (default 200,000) with Adam (lr 1e-3), batch 64, for each spec
# seed in SEEDS (default "1 2 3"), in three configurations:
#   textbook          hh_init: orthogonal, forget_bias: 1.0, gradient_clipping {max_norm: 1.0}
#   no clipping       the same without gradient_clipping
#   zero forget bias  the same as textbook with forget_bias: 0.0
# each scored on TEST (default 10,000) held-out sequences. Writes docs/figures/adding-problem.svg
# (the first seed's prequential MSE, a trailing mean of 50 steps, against examples seen) and prints
# one markdown table per seed (examples until that mean falls below 0.05, held-out MSE, train
# time). Measured: about 2 minutes per run on 2 cores, 1,187 s for the nine, plus 6 s to write the
# data (110 MB). The tables in docs/recurrent.md are its output of 2026-11-28.
#   ./mvnw -o -B -q package -DskipTests && bash bench/adding_problem.sh /tmp/adding
#   EXAMPLES=400000 bash bench/adding_problem.sh /tmp/adding      # more examples (data regenerated)
#   STEPS=100 SEEDS=1 bash bench/adding_problem.sh /tmp/adding100  # longer sequences: docs/figures/adding-problem-T100.svg
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/adding}
examples=${EXAMPLES:-200000}
test=${TEST:-10000}
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -o -B -q package -DskipTests first" >&2; exit 1; }
mkdir -p "$dir" docs/figures

# The data, again only when absent or generated with other sizes.
steps=${STEPS:-50}
stamp="T=$steps examples=$examples test=$test seed=0 per_record=64"
if [ ! -f "$dir/train.jsonl" ] || [ ! -f "$dir/test.jsonl" ] || [ "$(cat "$dir/data.txt" 2>/dev/null)" != "$stamp" ]; then
  /usr/bin/python3 bench/adding_problem.py "$dir" --examples "$examples" --test "$test" --steps "$steps" --seed 0 \
    --per-record 64 > "$dir/data-summary.txt"
  echo "$stamp" > "$dir/data.txt"
fi
cat "$dir/data-summary.txt"
started=$(date +%s)

spec() { # name forget_bias clip(yes|no) seed
  cat <<YAML
id: adding-$1
topic: adding.examples
sequence: {length: $steps, features: 2}
task: {type: regression, outputs: 1}
layers:
  - {type: lstm, hidden_size: 64, hh_init: orthogonal, forget_bias: $2}
  - {type: dense, units: 1}
loss: mse
optimizer: {type: adam, lr: 0.001}
$([ "$3" = yes ] && echo "gradient_clipping: {max_norm: 1.0}")
batch_size: 64
seed: $4
YAML
}

runs=("textbook 1.0 yes" "no-clipping 1.0 no" "zero-forget-bias 0.0 yes")
for seed in ${SEEDS:-1 2 3}; do
  for run in "${runs[@]}"; do
    read -r name bias clip <<< "$run"
    spec "$name" "$bias" "$clip" "$seed" > "$dir/$name-s$seed.yaml"
    echo "train $name, seed $seed ..." >&2
    if ! java -jar "$jar" train --spec "$dir/$name-s$seed.yaml" --data "$dir/train.jsonl" --test "$dir/test.jsonl" \
        --out "$dir/$name-s$seed.safetensors" --metrics "$dir/$name-s$seed-metrics.json" > "$dir/$name-s$seed.log" 2>&1; then
      cat "$dir/$name-s$seed.log" >&2
      exit 1
    fi
  done
  # The first seed's curves are the docs' figure; every seed's table is printed.
  figure=docs/figures/adding-problem$([ "$steps" = 50 ] || echo "-T$steps").svg
  out=$([ "$seed" = "$(echo ${SEEDS:-1 2 3} | cut -d' ' -f1)" ] && echo "$figure" || echo "$dir/adding-problem-s$seed.svg")
  echo "### seed $seed"
  /usr/bin/python3 bench/adding_svg.py --out "$out" --window 50 --threshold 0.05 \
    --title "The adding problem, T = $steps: one LSTM, three ways to start and train it" \
    --run "$dir/textbook-s$seed-metrics.json" "textbook" \
    --run "$dir/no-clipping-s$seed-metrics.json" "no clipping" \
    --run "$dir/zero-forget-bias-s$seed-metrics.json" "zero forget bias"
done
echo "total: $(( $(date +%s) - started )) s (after the data)" >&2
