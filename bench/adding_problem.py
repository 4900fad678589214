#!/usr/bin/python3
"""The adding problem (Hochreiter & Schmidhuber 1997, experiment 4; in the form of Le et al. 2015
and Arjovsky et al. 2016) as JSON lines for streamfit's `train` command.

Each example is a sequence of T steps (default 50) of 2 features: feature 0 uniform in [0, 1),
feature 1 a marker that is 1 at exactly two steps, one drawn uniformly from the first half
(0 .. T/2 - 1) and one from the second half (T/2 .. T-1), and 0 elsewhere. The target is the sum
of the two marked values: regression with one output. Always answering 1 scores the variance
of the sum of two U(0, 1), 1/6 = 0.167; the script prints that baseline's MSE measured on the
test file.

Records are mini-batches of --per-record examples (default 64, streamfit's batch_first layout
[example][step][feature]), one record per line:

    {"x": [[[v0, m0], [v1, m1], ...], ...], "y": [[t], [t], ...]}

or with --per-record 1 one example per line, {"x": [[v0, m0], [v1, m1], ...], "y": [t]}. Values
are rounded to 4 decimals and the target is the sum of the rounded values, so it is exact.
Train and test come from separate random streams of --seed.

    /usr/bin/python3 bench/adding_problem.py DIR [--examples 200000] [--test 10000] [--steps 50] \
        [--per-record 64] [--seed 0]
    # writes DIR/train.jsonl and DIR/test.jsonl; about 6 s and 110 MB for 200,000 examples
"""
import argparse
import json
import os

import numpy as np


def examples(rng, n, steps):
    """n sequences [n, steps, 2] and their targets [n]."""
    values = np.round(rng.random((n, steps)), 4)
    half = steps // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, steps, n)
    markers = np.zeros((n, steps), dtype=np.int64)
    rows = np.arange(n)
    markers[rows, first] = 1
    markers[rows, second] = 1
    targets = np.round(values[rows, first] + values[rows, second], 4)
    return values, markers, targets


def record(values, markers, targets, single):
    def seq(i):
        # repr of a 4-decimal float is short ("0.1234"); markers are the integers 0 and 1
        return "[" + ",".join("[%r,%d]" % (float(v), m) for v, m in zip(values[i], markers[i])) + "]"

    if single:
        return '{"x":%s,"y":[%r]}' % (seq(0), float(targets[0]))
    return '{"x":[%s],"y":[%s]}' % (",".join(seq(i) for i in range(len(targets))),
                                    ",".join("[%r]" % float(t) for t in targets))


def write(path, rng, n, steps, per_record):
    """Writes n examples to path; returns the targets."""
    all_targets = []
    with open(path + ".tmp", "w") as f:
        done = 0
        while done < n:
            k = min(per_record, n - done)
            v, m, t = examples(rng, k, steps)
            f.write(record(v, m, t, per_record == 1) + "\n")
            all_targets.append(t)
            done += k
    os.replace(path + ".tmp", path)
    return np.concatenate(all_targets)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--examples", type=int, default=200_000, help="training examples (train.jsonl)")
    ap.add_argument("--test", type=int, default=10_000, help="held-out examples (test.jsonl)")
    ap.add_argument("--steps", type=int, default=50, help="sequence length T")
    ap.add_argument("--per-record", type=int, default=64, help="examples per line (1: one example per record)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.steps < 2 or a.per_record < 1 or a.examples < 1 or a.test < 1:
        ap.error("need --steps >= 2 and --per-record, --examples, --test >= 1")
    os.makedirs(a.dir, exist_ok=True)
    train_rng = np.random.default_rng([a.seed, 0])
    test_rng = np.random.default_rng([a.seed, 1])
    write(os.path.join(a.dir, "train.jsonl"), train_rng, a.examples, a.steps, a.per_record)
    y = write(os.path.join(a.dir, "test.jsonl"), test_rng, a.test, a.steps, a.per_record)
    print("adding problem, T = %d: %d training and %d test examples, %d per record, in %s/train.jsonl and test.jsonl"
          % (a.steps, a.examples, a.test, a.per_record, a.dir))
    print("baseline (always answer 1): test MSE %.4f (expected 1/6 = 0.1667); predicting the test mean: %.4f"
          % (float(np.mean((y - 1.0) ** 2)), float(np.var(y))))


if __name__ == "__main__":
    main()
