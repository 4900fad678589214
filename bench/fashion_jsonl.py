#!/usr/bin/python3
"""Writes the first COUNT Fashion-MNIST training images as JSON lines, one example per line, the
way a Python producer writes them: json.dumps({"x": [round(p / 255, 4) for p in image], "y": label}).
bench/run.sh fills the end-to-end topics from this file and gives it to the `train` command.

    /usr/bin/python3 bench/fashion_jsonl.py OUT.jsonl [COUNT]     # COUNT <= 60000, default all

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""
import gzip
import json
import struct
import sys

SRC = "/usr/share/datasets/fashion-mnist/"

if __name__ == "__main__":
    out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    with gzip.open(SRC + "train-images-idx3-ubyte.gz") as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(n * rows * cols)
    with gzip.open(SRC + "train-labels-idx1-ubyte.gz") as f:
        f.read(8)
        labels = f.read(n)
    if not 0 < count <= n:
        sys.exit(f"COUNT must be 1..{n}, got {count}")
    width = rows * cols
    with open(out, "w") as w:
        for i in range(count):
            image = pixels[i * width:(i + 1) * width]
            w.write(json.dumps({"x": [round(p / 255, 4) for p in image], "y": labels[i]}) + "\n")
