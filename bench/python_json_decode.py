#!/usr/bin/python3
"""The Python peer of RecordDecoderBenchmark: json.loads + np.asarray(x, dtype=np.float32) over the
same records (the first 2,048 Fashion-MNIST training images, json.dumps({"x": [round(p / 255, 4)
...], "y": label}), one per record, and 64 per record), records/s and MB/s, best of 5 rounds, by the
wall clock and per second of CPU time (steadier on a shared machine, as RecordDecoderBenchmark's
"cpu:" lines).

    /usr/bin/python3 bench/python_json_decode.py
"""
import gzip
import json
import os
import time
import timeit

import numpy as np

IMAGES = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
LABELS = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"
N = 2048


def images():
    if os.path.exists(IMAGES):
        with gzip.open(IMAGES) as f:
            pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: N * 784].reshape(N, 784)
        with gzip.open(LABELS) as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:N]
        return pixels.tolist(), labels.tolist()
    rng = np.random.default_rng(7)
    pixels = np.where(rng.random((N, 784)) < 0.5, 0, rng.integers(1, 256, (N, 784)))
    return pixels.tolist(), rng.integers(0, 10, N).tolist()


def main():
    pixels, labels = images()
    formats = {
        "json": [json.dumps({"x": [round(p / 255, 4) for p in im], "y": y}).encode() for im, y in zip(pixels, labels)],
        "json64": [json.dumps({"x": [[round(p / 255, 4) for p in im] for im in pixels[i:i + 64]], "y": labels[i:i + 64]}).encode()
                   for i in range(0, N, 64)],
    }
    for name, records in formats.items():
        size = sum(len(r) for r in records)

        def decode():
            for r in records:
                d = json.loads(r)
                np.asarray(d["x"], dtype=np.float32)
                np.asarray(d["y"])

        for clock, timer in (("wall", time.perf_counter), ("cpu", time.process_time)):
            best = min(timeit.repeat(decode, number=1, repeat=5, timer=timer))
            print(f"python json.loads+np.asarray {name:7s} {clock}: {len(records) / best:8.0f} records/s "
                  f"{N / best:8.0f} examples/s {size / best / 1e6:6.1f} MB/s ({size / len(records):.0f} bytes/record)")


if __name__ == "__main__":
    main()
