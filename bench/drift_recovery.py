#!/usr/bin/python3
"""Recovery from an abrupt drift on Fashion-MNIST, and forgetting, the tables in docs/drift.md.

One pass over the 60,000 training images in file order; from image 30,000 on the stream changes:
(a) the labels go through a fixed permutation, (b) the images are rotated by 90 degrees. The
784-256-256-10 MLP with Adam (lr 1e-3, batch 64) of examples/fashion-mlp.yaml is trained through
the train command with fixed rate (no drift section), and with each drift action; three seeds
(the spec's seed: initialization). Recovery: examples after the change until the prequential
accuracy, averaged over 10 batches (640 examples), is back to 90% of its level over the 5,000
examples before the change.

Forgetting: after the same pass, accuracy (inference mode) on the 10,000 test images as the task was
before the change (unrotated, original labels) and as it is after it (rotated, resp. permuted),
without and with replay (a reservoir of 5,000 examples, a quarter of every trained batch replayed).

    ./mvnw -q package -DskipTests && /usr/bin/python3 bench/drift_recovery.py /tmp/drift

About 5 minutes on 2 cores. Reads Debian's dataset-fashion-mnist.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from fashion_mnist_jsonl import read  # noqa: E402

CHANGE = 30000
BATCH = 64
SEEDS = [1, 2, 3]
# A fixed derangement of the ten classes.
PERMUTATION = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4]
DETECTOR = "  detector: {type: page_hinkley, threshold: 10}\n"
VARIANTS = {
    "fixed-LR Adam": "",
    "reset_moments": "drift:\n" + DETECTOR + "  reset_moments: true\n",
    "boost_lr x3, 300 steps": "drift:\n" + DETECTOR + "  boost_lr: {factor: 3, steps: 300}\n",
    "reset_moments + boost_lr": "drift:\n" + DETECTOR + "  reset_moments: true\n  boost_lr: {factor: 3, steps: 300}\n",
    "restart_schedule (warm-up 200 from 0.1)": "schedule: {type: constant, warmup: {steps: 200, start_factor: 0.1}}\n"
    + "drift:\n" + DETECTOR + "  restart_schedule: true\n",
}


REPLAY = {
    "fixed-LR Adam, no replay": "",
    "replay 5,000, a quarter of each batch": "replay: {capacity: 5000, fraction: 0.25}\n",
}


def write_drifted(path, drift, images="train-images-idx3-ubyte.gz", labels="train-labels-idx1-ubyte.gz", change=CHANGE):
    n, width, pixels, ys = read(images, labels)
    scaled = ["0" if v == 0 else "1" if v == 255 else "%.6g" % (v / 255.0) for v in range(256)]
    with open(path, "w") as out:
        for i in range(n):
            row = pixels[i * width:(i + 1) * width]
            y = ys[i]
            if i >= change:
                if drift == "permute":
                    y = PERMUTATION[y]
                else:  # rotate 90 degrees counter-clockwise: new[r][c] = old[c][27 - r]
                    row = bytes(row[c * 28 + 27 - r] for r in range(28) for c in range(28))
            out.write('{"x":[' + ",".join(scaled[b] for b in row) + '],"y":' + str(y) + "}\n")


def recovery(steps):
    """Examples after the change until the 10-batch accuracy is back to 90% of the level before it."""
    acc = [(s["examples"], s["accuracy"]) for s in steps]
    before = [a for e, a in acc if CHANGE - 5000 < e <= CHANGE]
    level = sum(before) / len(before)
    after = [(e, a) for e, a in acc if e > CHANGE]
    for i in range(10, len(after) + 1):
        window = [a for _, a in after[i - 10:i]]
        if sum(window) / 10 >= 0.9 * level:
            return level, after[i - 1][0] - CHANGE
    return level, None


def train(out, spec_text, data, test=None):
    spec = os.path.join(out, "spec.yaml")
    with open(spec, "w") as f:
        f.write(spec_text)
    metrics = os.path.join(out, "metrics.json")
    args = ["java", "-jar", "target/quarkus-app/quarkus-run.jar", "train", "--spec", spec, "--data", data,
            "--out", os.path.join(out, "out.safetensors"), "--metrics", metrics]
    if test:
        args += ["--test", test]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.load(open(metrics))


def forgetting(out, base):
    print()
    print("| drift | run | test accuracy, task before the change | test accuracy, task after it | prequential accuracy over the pass |")
    print("|---|---|---:|---:|---:|")
    for drift in ["rotate", "permute"]:
        tests = {}
        for when, change in [("before", 10 ** 9), ("after", 0)]:
            tests[when] = os.path.join(out, "test-%s-%s.jsonl" % (drift, when))
            if not os.path.exists(tests[when]):
                write_drifted(tests[when], drift, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", change)
        for name, extra in REPLAY.items():
            acc = {"before": [], "after": [], "preq": []}
            for seed in SEEDS:
                for when in ["before", "after"]:
                    m = train(out, base.replace("seed: 1", "seed: %d" % seed) + extra, os.path.join(out, drift + ".jsonl"),
                              tests[when])
                    acc[when].append(m["final"]["test_accuracy"])
                acc["preq"].append(m["final"]["prequential_accuracy"])
                print(drift, name, seed, acc, file=sys.stderr)
            print("| %s | %s | %s | %s | %s |" % (drift, name, *(
                "%.3f (%s)" % (statistics.mean(acc[k]), ", ".join("%.3f" % a for a in acc[k])) for k in ["before", "after", "preq"])))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/drift"
    os.makedirs(out, exist_ok=True)
    base = open("examples/fashion-mlp.yaml").read()
    if "--forgetting-only" in sys.argv:
        forgetting(out, base)
        return
    rows = {}
    for drift in ["permute", "rotate"]:
        data = os.path.join(out, drift + ".jsonl")
        if not os.path.exists(data):
            write_drifted(data, drift)
        for name, extra in VARIANTS.items():
            for seed in SEEDS:
                spec = os.path.join(out, "spec.yaml")
                with open(spec, "w") as f:
                    f.write(base.replace("seed: 1", "seed: %d" % seed) + extra)
                metrics = os.path.join(out, "metrics.json")
                subprocess.run(["java", "-jar", "target/quarkus-app/quarkus-run.jar", "train", "--spec", spec, "--data", data,
                                "--out", os.path.join(out, "out.safetensors"), "--metrics", metrics],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                steps = json.load(open(metrics))["steps"]
                level, examples = recovery(steps)
                alarms = [s["examples"] for s in steps if s.get("drift")]
                rows.setdefault((drift, name), []).append((level, examples, alarms))
                print(drift, name, seed, "level %.3f" % level, "recovery", examples, "alarms", alarms, file=sys.stderr)
    print("| drift | run | accuracy before | examples to recover 90% (seeds 1, 2, 3) | mean | alarms (examples) |")
    print("|---|---|---:|---:|---:|---|")
    for (drift, name), runs in rows.items():
        rec = [r[1] for r in runs]
        mean = statistics.mean(rec) if None not in rec else None
        print("| %s | %s | %.3f | %s | %s | %s |" % (
            drift, name, statistics.mean(r[0] for r in runs), ", ".join("%s" % r for r in rec),
            "%.0f" % mean if mean is not None else "not recovered",
            "; ".join(",".join(str(a) for a in r[2]) or "none" for r in runs)))
    forgetting(out, base)


if __name__ == "__main__":
    main()
