#!/usr/bin/python3
"""The PyTorch side of the step benchmark: the same training step as TrainingStepBenchmark
(784-256-256-10 MLP, float32, cross-entropy, clip_grad_norm_(5.0), Adam lr=1e-3), examples/s
per batch size.

    /usr/bin/python3 bench/pytorch_step.py          # Debian's python3-torch (1.13), 1 thread, table
    /usr/bin/python3 bench/pytorch_step.py --optimizers   # every optimizer, flush_denormal on
    /usr/bin/python3 bench/pytorch_step.py --threads 2 --arch layernorm --optimizer adam \
        --batches 1,16,64,256 --seconds 4 [--no-flush-denormal]
        # one JSON object per line:
        # {"peer":"pytorch","threads":2,"arch":"layernorm","optimizer":"adam","batch":64,
        #  "flush_denormal":true,"examples_per_s":12345.6}   (median of 5 intervals)

--arch layernorm puts nn.LayerNorm after each hidden nn.Linear (Linear, LayerNorm, ReLU), as
TrainingStepBenchmark's arch=layernorm. --threads sets torch.set_num_threads; for a fair 1-thread
figure also export OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to the same number (compare.sh does).
"""
import argparse
import json
import sys
import time

import torch

torch.manual_seed(0)


OPTIMIZERS = {  # the same hyper-parameters as TrainingStepBenchmark.optimizerSpec
    "sgd": lambda p: torch.optim.SGD(p, lr=0.01),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.01),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.001),
    "adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    "amsgrad": lambda p: torch.optim.Adam(p, lr=1e-3, amsgrad=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-3),
    "nadam": lambda p: torch.optim.NAdam(p, lr=2e-3),
    "adamax": lambda p: torch.optim.Adamax(p, lr=2e-3),
}


def build_model(arch):
    if arch == "plain":
        return torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 10))
    if arch == "layernorm":
        return torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.LayerNorm(256), torch.nn.ReLU(),
            torch.nn.Linear(256, 256), torch.nn.LayerNorm(256), torch.nn.ReLU(),
            torch.nn.Linear(256, 10))
    raise ValueError(f"arch must be plain or layernorm, got {arch}")


def examples_per_second(batch, seconds=4.0, optimizer="adam", arch="plain", foreach=False):
    model = build_model(arch)
    opt = OPTIMIZERS[optimizer](model.parameters())
    if foreach:  # the multi-tensor update (PyTorch 1.13 uses it by default on CUDA only); much faster here
        for group in opt.param_groups:
            group["foreach"] = True
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()

    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:  # warm-up
        step()
    rates = []
    for _ in range(5):
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds / 5:
            step()
            n += 1
        rates.append(n * batch / (time.perf_counter() - t0))
    rates.sort()
    return rates[len(rates) // 2]


def json_lines(argv):
    ap = argparse.ArgumentParser(description="PyTorch training-step throughput, one JSON object per line")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--arch", choices=("plain", "layernorm"), default="plain")
    ap.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    ap.add_argument("--batches", default="1,16,64,256")
    ap.add_argument("--seconds", type=float, default=4.0, help="measured seconds per batch size (5 intervals)")
    ap.add_argument("--no-flush-denormal", dest="flush", action="store_false")
    ap.add_argument("--foreach", action="store_true", help="the optimizer's multi-tensor (foreach) implementation")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(a.flush)
    for b in (int(x) for x in a.batches.split(",")):
        rate = examples_per_second(b, a.seconds, a.optimizer, a.arch, a.foreach)
        print(json.dumps({"peer": "pytorch", "threads": a.threads, "arch": a.arch, "optimizer": a.optimizer,
                          "batch": b, "flush_denormal": a.flush, "foreach": a.foreach, "examples_per_s": round(rate, 1)},
                         separators=(",", ":")), flush=True)


if __name__ == "__main__" and any(x.startswith("--") and x != "--optimizers" for x in sys.argv[1:]):
    json_lines(sys.argv[1:])
elif __name__ == "__main__" and "--optimizers" in sys.argv:
    torch.set_num_threads(1)
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    torch.set_flush_denormal(True)
    for name in OPTIMIZERS:
        for b in (1, 16, 64, 256):
            print(f"torch {name} batch {b}: {examples_per_second(b, 2.5, name):.0f} examples/s")
elif __name__ == "__main__":
    torch.set_num_threads(1)
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    # streamfit flushes subnormal optimizer state; PyTorch does only when asked, so both are shown.
    for flush in (False, True):
        torch.set_flush_denormal(flush)
        for b in (1, 16, 64, 256):
            print(f"torch flush_denormal={flush!s:5} batch {b:4d}: {examples_per_second(b):10.0f} examples/s (median of 5)")
