#!/usr/bin/python3
"""Writes Fashion-MNIST as JSON-lines records for `train --data` / `--test`, one image per line,
pixels scaled to [0, 1] as torchvision's ToTensor() does, in the data set's file order.

    /usr/bin/python3 examples/fashion_mnist_jsonl.py /tmp/fmnist     # -> train.jsonl, test.jsonl

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""
import gzip
import os
import struct
import sys

SRC = "/usr/share/datasets/fashion-mnist"


def read(images, labels):
    with gzip.open(os.path.join(SRC, images)) as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(n * rows * cols)
    with gzip.open(os.path.join(SRC, labels)) as f:
        f.read(8)
        ys = f.read(n)
    return n, rows * cols, pixels, ys


def write(path, n, width, pixels, ys):
    scaled = ["0" if v == 0 else "1" if v == 255 else "%.6g" % (v / 255.0) for v in range(256)]
    with open(path, "w") as out:
        for i in range(n):
            row = pixels[i * width:(i + 1) * width]
            out.write('{"x":[' + ",".join(scaled[b] for b in row) + '],"y":' + str(ys[i]) + "}\n")


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(target, exist_ok=True)
    write(os.path.join(target, "train.jsonl"), *read("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"))
    write(os.path.join(target, "test.jsonl"), *read("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
