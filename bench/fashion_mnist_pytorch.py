#!/usr/bin/python3
"""PyTorch reference for the Fashion-MNIST one-pass numbers of docs/train-command.md: the same
784-256-256-10 ReLU MLP, Adam lr=1e-3, batch 64, one pass over the training set in file order (no
shuffling, as a stream), scored prequentially (each batch before the step on it), then the test set.

    /usr/bin/python3 bench/fashion_mnist_pytorch.py [seed]
"""
import gzip
import struct
import sys

import numpy as np
import torch

SRC = "/usr/share/datasets/fashion-mnist/"


def read(images, labels):
    with gzip.open(SRC + images) as f:
        _, n, r, c = struct.unpack(">IIII", f.read(16))
        x = np.frombuffer(f.read(), dtype=np.uint8).reshape(n, r * c).astype(np.float32) / 255.0
    with gzip.open(SRC + labels) as f:
        f.read(8)
        y = np.frombuffer(f.read(), dtype=np.uint8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


torch.set_num_threads(1)
torch.manual_seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
x, y = read("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
tx, ty = read("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
correct = 0
loss_sum = 0.0
seen = 0
for i in range(0, len(x) - 63, 64):
    xb, yb = x[i:i + 64], y[i:i + 64]
    out = model(xb)
    loss = loss_fn(out, yb)
    correct += (out.argmax(1) == yb).sum().item()
    loss_sum += loss.item()
    seen += 64
    opt.zero_grad()
    (loss / 64).backward()
    opt.step()
with torch.no_grad():
    test_acc = (model(tx).argmax(1) == ty).float().mean().item()
print(f"pytorch {torch.__version__}: prequential loss {loss_sum / seen:.4f} accuracy {correct / seen:.4f}, "
      f"test accuracy {test_acc:.4f} ({seen} training examples)")
